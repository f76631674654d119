// The error table: each code's status and default headers reach the client from one place.

import { describe, expect, it } from 'vitest';
import { AppError, ERROR_STATUS, ERRORS, publicErrorFor } from '../src/errors.js';
import { renderTimeout, translateSharpError } from '../src/render/sharp-errors.js';

describe('AppError', () => {
  it('takes its status and default headers from the error table', () => {
    const error = new AppError('OVERLOADED', 'Too many');
    expect(error.status).toBe(503);
    expect(publicErrorFor(error).headers).toEqual({ 'Retry-After': '1' });
    expect(new AppError('BAD_PATH', 'x').headers).toEqual({});
    expect(new AppError('OVERLOADED', 'x', { headers: { 'Retry-After': '9' } }).headers).toEqual({
      'Retry-After': '9',
    });
  });

  it('derives ERROR_STATUS from the table', () => {
    for (const [code, info] of Object.entries(ERRORS)) {
      expect(ERROR_STATUS[code as keyof typeof ERRORS]).toBe(info.status);
    }
  });

  it('builds the RENDER_TIMEOUT answer once, for the caller deadline and for sharp', () => {
    const fromSharp = translateSharpError(new Error('timeout: 30s'));
    expect(publicErrorFor(fromSharp)).toEqual(publicErrorFor(renderTimeout()));
    expect(publicErrorFor(renderTimeout())).toEqual({
      status: 503,
      headers: { 'Retry-After': '5' },
      body: {
        error: { code: 'RENDER_TIMEOUT', message: 'Rendering took too long; retry shortly' },
      },
    });
  });
});

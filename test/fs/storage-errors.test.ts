import { describe, expect, it } from 'vitest';
import { AppError } from '../../src/errors.js';
import { translateStorageError } from '../../src/fs/storage-errors.js';

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('translateStorageError', () => {
  it.each(['ENOSPC', 'EDQUOT'])('turns %s into 507 INSUFFICIENT_STORAGE', (code) => {
    const translated = translateStorageError(errno(code), 'the upload');
    expect(translated).toBeInstanceOf(AppError);
    expect(translated).toMatchObject({
      code: 'INSUFFICIENT_STORAGE',
      status: 507,
      message: 'No space left to store the upload',
    });
  });

  it('leaves other errors alone', () => {
    const error = errno('EACCES');
    expect(translateStorageError(error, 'x')).toBe(error);
  });
});

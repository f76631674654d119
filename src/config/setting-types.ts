// Parsers for settings that arrive either as environment strings or as JSON config values.

import { z } from 'zod';

/** An integer within [min, max], from a number or a canonical decimal string. */
export function integer(min: number, max: number) {
  return z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^-?[0-9]+$/, 'expected an integer')
        .transform(Number),
    ])
    .pipe(z.number().int().min(min).max(max));
}

/** A number within [min, max] (fractions allowed), from a number or a decimal string. */
export function decimal(min: number, max: number) {
  return z
    .union([
      z.number(),
      z
        .string()
        .trim()
        .regex(/^[0-9]+(?:\.[0-9]+)?$/, 'expected a number such as 0.5')
        .transform(Number),
    ])
    .pipe(z.number().min(min).max(max));
}

/** Spellings of true and false an environment string may use, compared ignoring case. */
export const BOOLEAN_WORDS = {
  true: ['true', '1', 'yes', 'on'],
  false: ['false', '0', 'no', 'off'],
} as const;

/** true/false, also from the strings of {@link BOOLEAN_WORDS}, in any case. */
export function boolean() {
  const words: readonly string[] = [...BOOLEAN_WORDS.true, ...BOOLEAN_WORDS.false];
  return z.union([
    z.boolean(),
    z
      .string()
      .trim()
      .toLowerCase()
      .refine((value) => words.includes(value), {
        error: `expected true or false (or ${words.filter((w) => w !== 'true' && w !== 'false').join(', ')})`,
      })
      .transform((value) => (BOOLEAN_WORDS.true as readonly string[]).includes(value)),
  ]);
}

/** A list, from a JSON array or a comma-separated string (empty string: empty list). */
export function list<T extends z.ZodType<unknown, string>>(item: T) {
  return z.union([z.array(z.string()), z.string().transform(splitList)]).pipe(z.array(item));
}

/** A non-empty string. */
export function text() {
  return z.string().trim().min(1, 'expected a non-empty value');
}

/** `a, b,,c` -> `['a', 'b', 'c']`: the comma lists of settings, form fields and CLI options. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}

/** An HTTP header name (RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Request headers as a JSON object of strings, from an object or its JSON text. */
export function webhookHeaders() {
  const headers = z.record(
    z.string().regex(HEADER_NAME, 'expected header names such as Fastly-Key'),
    z.string().regex(/^[^\r\n]*$/, 'expected header values on one line'),
  );
  return z.union([
    headers,
    z
      .string()
      .trim()
      .transform((text, context) => {
        if (text === '') return {};
        try {
          return JSON.parse(text) as unknown;
        } catch {
          context.addIssue({
            code: 'custom',
            message: 'expected a JSON object such as {"Fastly-Key": "..."}',
          });
          return z.NEVER;
        }
      })
      .pipe(headers),
  ]);
}

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

/** true/false, also from the strings true, false, 1, 0, yes, no. */
export function boolean() {
  return z.union([
    z.boolean(),
    z
      .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'expected true or false' })
      .transform((value) => ['true', '1', 'yes'].includes(value)),
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

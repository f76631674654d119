// Strict argument parsing for one command (node:util parseArgs), with usage errors that say
// what was expected and show the command's synopsis.

import { type ParseArgsConfig, parseArgs } from 'node:util';
import { splitList } from '../config/setting-types.js';
import { CliError, USAGE_EXIT } from './cli-error.js';
import { SYNOPSIS } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseCommandArgs} answers: typed `values` and the `positionals`. */
export type ParsedCommandArgs<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: true; strict: true }>
>;

/** Throws a usage error naming the command: exit code 2, synopsis attached. */
export function usageError(command: keyof typeof SYNOPSIS, message: string): CliError {
  return new CliError(`${command}: ${message}\nusage: ${SYNOPSIS[command]}`, {
    exitCode: USAGE_EXIT,
  });
}

/**
 * Parses `args` against `options`, refusing unknown options and any positional count outside
 * `positionals` (their names, e.g. `['<path>']`: exactly that many).
 */
export function parseCommandArgs<O extends Options>(
  command: keyof typeof SYNOPSIS,
  args: readonly string[],
  options: O,
  positionals: readonly string[] = [],
): ParsedCommandArgs<O> {
  let parsed: ParsedCommandArgs<O>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      throw usageError(command, (error as Error).message);
    }
    throw error;
  }
  if (parsed.positionals.length !== positionals.length) {
    const expected = positionals.length === 0 ? 'no arguments' : positionals.join(' ');
    const received = parsed.positionals.map((value) => JSON.stringify(value)).join(' ');
    throw usageError(command, `Expected ${expected} but received ${received || 'none'}`);
  }
  return parsed;
}

/** A comma-separated option (given once or repeated) as a list without empty items. */
export function listOption(value: string | readonly string[] | undefined): string[] {
  const values = value === undefined ? [] : typeof value === 'string' ? [value] : value;
  return values.flatMap(splitList);
}

// The one error type of the command line: a message for stderr and the exit code to end with.

/** Exit code of a usage mistake (unknown command or option, missing argument). */
export const USAGE_EXIT = 2;

/**
 * A failure the CLI explains in one message, printed as `rendition: <message>`.
 * `code` is the admin API's error code when the server answered with one.
 */
export class CliError extends Error {
  readonly exitCode: number;
  readonly code: string | undefined;

  constructor(
    message: string,
    options: { exitCode?: number; code?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CliError';
    this.exitCode = options.exitCode ?? 1;
    this.code = options.code;
  }
}

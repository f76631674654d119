// What every command receives from the composition root (src/cli.ts): settings and streams.

import type { Config } from '../config/load-config.js';

export interface CliContext {
  readonly config: Config;
  /** `RENDITION_URL` as src/cli.ts read it (only that module reads the environment). */
  readonly serverUrl: string | undefined;
  readonly stdout: NodeJS.WriteStream;
  /** Progress and errors; a progress bar is drawn only when this is a TTY. */
  readonly stderr: NodeJS.WriteStream;
}

/** A command: parses its own arguments, resolves to the exit code. */
export type Command = (context: CliContext, args: readonly string[]) => Promise<number>;

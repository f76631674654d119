// What every row gets: the options, the inputs, a scratch dir per setup, and a log.

import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchOptions } from './options.js';
import type { Inputs } from './photos.js';
import type { Row } from './report.js';

export interface Context {
  readonly options: BenchOptions;
  readonly inputs: Inputs;
  log(line: string): void;
  /** A new empty directory under this run's scratch dir. */
  scratch(name: string): Promise<string>;
  /** Raw figures kept in latest.json under the row id. */
  detail(id: string, value: unknown): void;
}

export interface RowGroup {
  /** B1 .. B16 */
  readonly id: string;
  readonly title: string;
  run(ctx: Context): Promise<Row[]>;
}

export function scratchIn(root: string): (name: string) => Promise<string> {
  return (name) => mkdtemp(join(root, `${name}-`));
}

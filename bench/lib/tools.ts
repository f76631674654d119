// The external tools the bench drives (wrk, nginx, taskset), installed from Debian when
// missing and we are root, and the versions printed with every run.

import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { nginxBinary } from '../../test/helpers/nginx.js';

/** binary -> Debian package */
const TOOLS: Readonly<Record<string, string>> = {
  wrk: 'wrk',
  nginx: 'nginx',
  taskset: 'util-linux',
};

function runs(command: string, args: readonly string[]): boolean {
  const result = spawnSync(command, [...args], { stdio: 'ignore' });
  return result.error === undefined && result.status === 0;
}

function present(tool: string): boolean {
  if (tool === 'nginx') return runs(nginxBinary(), ['-v']);
  if (tool === 'wrk') return spawnSync('wrk', ['-v'], { stdio: 'ignore' }).error === undefined;
  return runs(tool, ['--version']);
}

/** Installs missing tools with apt-get when root; otherwise throws with the command to run. */
export function ensureTools(log: (line: string) => void): void {
  const missing = Object.keys(TOOLS).filter((tool) => !present(tool));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((tool) => TOOLS[tool] as string))];
  const command = `apt-get update && apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (process.getuid?.() !== 0) {
    throw new Error(
      `The bench needs ${missing.join(', ')}. Install them first:\n  sudo ${command}`,
    );
  }
  log(`installing ${packages.join(', ')} from Debian`);
  execFileSync('sh', ['-c', command], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  const still = missing.filter((tool) => !present(tool));
  if (still.length > 0) throw new Error(`Could not install ${still.join(', ')}: run ${command}`);
}

export interface Versions {
  readonly node: string;
  readonly sharp: string;
  readonly libvips: string;
  readonly sharpConcurrency: number;
  readonly nginx: string;
  readonly wrk: string;
  readonly ipx: string;
  readonly ipxSharp: string;
  readonly cpu: string;
  readonly cores: number;
}

export function versions(): Versions {
  const nginx = spawnSync(nginxBinary(), ['-v'], { encoding: 'utf8' });
  const wrk = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  const ipxDir = dirname(dirname(fileURLToPath(import.meta.resolve('ipx'))));
  const packageVersion = (file: string) =>
    (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  const ipxSharp = [join(ipxDir, 'node_modules', 'sharp'), join(ipxDir, '..', 'sharp')]
    .map((dir) => {
      try {
        return packageVersion(join(dir, 'package.json'));
      } catch {
        return undefined;
      }
    })
    .find((version) => version !== undefined);
  return {
    node: process.version,
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    sharpConcurrency: sharp.concurrency(),
    nginx: /nginx\/(\S+)/.exec(`${nginx.stderr}${nginx.stdout}`)?.[1] ?? 'unknown',
    wrk: /wrk (\S+)/.exec(`${wrk.stdout}${wrk.stderr}`)?.[1] ?? 'unknown',
    ipx: packageVersion(join(ipxDir, 'package.json')),
    ipxSharp: ipxSharp ?? 'unknown',
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
  };
}

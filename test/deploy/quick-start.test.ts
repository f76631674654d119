// The README's quick start, run as a newcomer runs it: a fresh copy of the repository,
// `npm ci`, `npm start`, an image copied in, then every curl line of the section, each
// answer compared with the `# ...` line the README prints under it. The first page of the
// project cannot rot without this failing.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { jpegImage } from '../helpers/images.js';
import { skipWithout } from '../helpers/requirement.js';

const run = promisify(execFile);

/** A command of the quick start and the output the README shows for it (may be empty). */
interface Step {
  readonly command: string;
  readonly expected: string[];
}

/** The `sh` blocks of the README's "Quick start" section, as commands and expected lines. */
function quickStartSteps(readme: string): Step[] {
  const start = readme.indexOf('\n## Quick start');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const steps: Step[] = [];
  for (const block of section.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      if (line.trim() === '') continue;
      const last = steps.at(-1);
      if (line.startsWith('# ') && last !== undefined) {
        last.expected.push(line.slice(2));
      } else {
        steps.push({ command: line, expected: [] });
      }
    }
  }
  return steps;
}

const curlMissing = await run('curl', ['--version']).then(
  () => undefined,
  () => 'the quick start runs curl: apt-get install curl',
);
const gitMissing = await run('git', ['--version']).then(
  () => undefined,
  () => 'copying the repository as a clone would needs git',
);

let dir: string | undefined;
let server: ChildProcess | undefined;
afterAll(async () => {
  server?.kill('SIGTERM');
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(skipWithout(curlMissing ?? gitMissing))('the README quick start', () => {
  it('works as written on a fresh copy', { timeout: 420_000 }, async () => {
    const readme = await readFile('README.md', 'utf8');
    const steps = quickStartSteps(readme);
    const commands = steps.map((step) => step.command);
    // The section's shape this test relies on; a rewrite of it must keep the test true.
    expect(commands.slice(0, 2)).toEqual(['npm ci', 'npm start']);
    expect(commands.filter((command) => command.startsWith('curl ')).length).toBeGreaterThan(3);

    dir = await mkdtemp(join(tmpdir(), 'rendition-quick-start-'));
    const home = join(dir, 'home');
    const clone = join(dir, 'rendition');
    // What a clone holds: tracked files plus new ones not ignored, as they are on disk now.
    const { stdout } = await run('git', [
      'ls-files',
      '-z',
      '--cached',
      '--others',
      '--exclude-standard',
    ]);
    for (const file of stdout.split('\0').filter((name) => name !== '')) {
      await mkdir(dirname(join(clone, file)), { recursive: true });
      await copyFile(file, join(clone, file)).catch((error: NodeJS.ErrnoException) => {
        // A file deleted in the work tree but not yet in the index is gone from a clone too.
        if (error.code !== 'ENOENT') throw error;
      });
    }
    // The newcomer's own photo: `cp ~/Pictures/cat.jpg ...` reads it from $HOME.
    await mkdir(join(home, 'Pictures'), { recursive: true });
    await writeFile(join(home, 'Pictures', 'cat.jpg'), await jpegImage(800, 600));
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      // The machine's npm cache (warm after the CI's own `npm ci`) keeps this offline-fast.
      npm_config_cache: process.env.npm_config_cache ?? join(process.env.HOME ?? home, '.npm'),
      npm_config_prefer_offline: 'true',
      npm_config_update_notifier: 'false',
      npm_config_audit: 'false',
      npm_config_fund: 'false',
    };

    await run('sh', ['-c', 'npm ci'], { cwd: clone, env, maxBuffer: 16 * 1024 * 1024 });

    // `PORT=0 npm start` (README: any free port, printed), so parallel runs never collide.
    let output = '';
    server = spawn('sh', ['-c', 'exec npm start'], {
      cwd: clone,
      env: { ...env, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const started = server;
    const url = await new Promise<string>((resolve, reject) => {
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      };
      started.stdout?.on('data', read);
      started.stderr?.on('data', read);
      started.on('exit', () => reject(new Error(`npm start exited early:\n${output}`)));
    });
    // What the README says the first start prints: the roots and the admin token.
    const token = (await readFile(join(clone, 'var', 'admin-token'), 'utf8')).trim();
    expect(output).toContain(token);
    expect(output).toContain('var/media');
    expect(output).toContain('var/cache');

    for (const step of steps.slice(2)) {
      const command = step.command.replaceAll('http://127.0.0.1:3000', url);
      const { stdout: printed } = await run('sh', ['-c', command], { cwd: clone, env });
      const lines = printed.split('\n').filter((line) => line !== '');
      expect(lines, `${step.command}\n(server output:\n${output})`).toEqual(step.expected);
    }
  });
});

// docker/Dockerfile and docker/compose.yaml, without a Docker engine: every build and run step
// of the image is one CI runs. The build stage's RUN is a line of .ci/run; the production-deps
// stage's RUN runs here on the files it copies; /app is assembled as the runtime stage's COPY
// lines say; its CMD starts with its ENV plus compose's settings, under jemalloc; its
// HEALTHCHECK passes, then fails once the server is gone; compose's nginx-config command runs
// in that /app and prints what the tests' nginx runs, and nginx mounts the roots it names.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { renderNginxConfig } from '../../src/nginx/nginx-config.js';
import {
  CHILD_ADMIN_TOKEN,
  type ChildServer,
  rootsIn,
  spawnCommand,
} from '../helpers/child-server.js';
import { runProgram } from '../helpers/cli.js';
import {
  argsOf,
  type ComposeFile,
  composeEnvironment,
  copiesOf,
  envOf,
  execForm,
  healthcheckOf,
  mountsOf,
  parseCompose,
  parseDockerfile,
  type Stage,
  stageNamed,
} from '../helpers/dockerfile.js';
import { NGINX_TEMPLATE_URL } from '../helpers/nginx.js';
import { underCi } from '../helpers/requirement.js';

const REPO = resolve('.');
const WORKDIR = '/app';
const JEMALLOC = 'libjemalloc.so.2';

const dockerfile = parseDockerfile(await readFile('docker/Dockerfile', 'utf8'));
const ciRun = await readFile('.ci/run', 'utf8');
const compose: ComposeFile = parseCompose(await readFile('docker/compose.yaml', 'utf8'), {
  RENDITION_ADMIN_TOKEN: CHILD_ADMIN_TOKEN,
});
const build = stageNamed(dockerfile, 'build');
const productionDeps = stageNamed(dockerfile, 'production-deps');
const runtime = stageNamed(dockerfile, 'runtime');
const nginxStage = stageNamed(dockerfile, 'nginx');
const imageEnv = envOf(runtime);

/** The lines .ci/run executes (comments dropped, indentation trimmed). */
const ciLines = ciRun
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

/** The Debian packages CI installs: the nginx block's and the `ci_packages` list. */
const ciPackages = [
  'nginx',
  ...(/^ci_packages=\(([^)]*)\)$/m.exec(ciRun)?.[1] ?? '').split(/\s+/).filter(Boolean),
];

/** The packages a stage's `apt-get install` lines name. */
function aptPackagesOf(stage: Stage): string[] {
  return argsOf(stage, 'RUN').flatMap((args) =>
    [...args.matchAll(/apt-get install((?:\s+(?!&&)\S+)+)/g)].flatMap((match) =>
      (match[1] ?? '').split(/\s+/).filter((word) => word !== '' && !word.startsWith('-')),
    ),
  );
}

/** The directories a stage's `mkdir -p` commands create. */
function mkdirsOf(stage: Stage): string[] {
  return argsOf(stage, 'RUN').flatMap((args) =>
    [...args.matchAll(/mkdir -p((?:\s+(?!&&)\S+)+)/g)].flatMap((match) =>
      (match[1] ?? '').split(/\s+/).filter((word) => word !== ''),
    ),
  );
}

/** True when ld.so can preload jemalloc here; required when CI is set (.ci/run installs it). */
function jemallocAvailable(): boolean {
  const probe = spawnSync(process.execPath, ['-e', ''], {
    env: { PATH: process.env.PATH ?? '', LD_PRELOAD: JEMALLOC },
    encoding: 'utf8',
  });
  const available = probe.status === 0 && !probe.stderr.includes('cannot be preloaded');
  if (!available && underCi()) {
    throw new Error(`${JEMALLOC} cannot be preloaded: CI must install libjemalloc2 (.ci/run)`);
  }
  return available;
}

/** Copies `stage`'s COPY sources from the build context (the repository) into `root`. */
async function copyFromContext(stage: Stage, root: string): Promise<void> {
  for (const copy of copiesOf(stage)) {
    expect(copy.from, `${stage.name}: COPY --from`).toBeUndefined();
    for (const source of copy.sources) {
      const target = copy.destination.endsWith('/')
        ? join(root, copy.destination, source)
        : join(root, copy.destination);
      await cp(join(REPO, source), target, { recursive: true });
    }
  }
}

describe('docker/Dockerfile', () => {
  let dir: string;
  /** /app of the image, assembled here. */
  let app: string;
  let server: ChildServer | undefined;
  let env: Record<string, string>;
  const preloadJemalloc = jemallocAvailable();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rendition-docker-'));
    // The production-deps stage: its files, then its RUN lines, exactly.
    const deps = join(dir, 'production-deps');
    await mkdir(deps);
    await copyFromContext(productionDeps, deps);
    for (const command of argsOf(productionDeps, 'RUN')) {
      const result = await runProgram(
        'sh',
        ['-c', command],
        { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? dir },
        { cwd: deps, timeoutMs: 300_000 },
      );
      expect(result.status, `${command}\n${result.stdout}\n${result.stderr}`).toBe(0);
    }
    // The runtime stage's /app: the build stage is the repository (CI ran its RUN there).
    app = join(dir, 'app');
    const stageRoots: Record<string, string> = { build: REPO, 'production-deps': deps };
    for (const copy of copiesOf(runtime)) {
      for (const source of copy.sources) {
        const from =
          copy.from === undefined
            ? join(REPO, source)
            : join(stageRoots[copy.from] ?? '/nonexistent', source.replace(`${WORKDIR}/`, ''));
        await cp(from, join(app, copy.destination), { recursive: true, verbatimSymlinks: true });
      }
    }
    // The runtime stage's `mkdir -p` of directories inside /app (the roots move to temp).
    for (const made of mkdirsOf(runtime).filter((path) => path.startsWith(`${WORKDIR}/`))) {
      await mkdir(join(app, made.slice(WORKDIR.length + 1)), { recursive: true });
    }
    const roots = await rootsIn(join(dir, 'roots'));
    env = {
      PATH: process.env.PATH ?? '',
      ...imageEnv,
      ...composeEnvironment(compose.services.rendition ?? {}),
      // The container's roots and port, moved to this test's temp dir and loopback.
      HOST: '127.0.0.1',
      PORT: '0',
      MEDIA_ROOT: roots.mediaRoot,
      CACHE_ROOT: roots.cacheRoot,
      DATA_DIR: roots.dataDir,
    };
    if (!preloadJemalloc) delete env.LD_PRELOAD;
    server = await spawnCommand(execForm(argsOf(runtime, 'CMD')[0] ?? ''), { cwd: app, env });
    env.PORT = new URL(server.url).port;
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("builds with the command CI runs: the build stage's RUN is a line of .ci/run", () => {
    const runs = argsOf(build, 'RUN');
    expect(runs.length).toBeGreaterThan(0);
    for (const command of runs) expect(ciLines).toContain(command);
  });

  it('installs only Debian packages CI installs too, on the same Debian and Node', () => {
    const packages = [...aptPackagesOf(runtime), ...aptPackagesOf(nginxStage)];
    expect(packages).toEqual(['libjemalloc2', 'nginx']);
    for (const name of packages) expect(ciPackages).toContain(name);
    const nodeMajor = process.versions.node.split('.')[0];
    for (const stage of [build, productionDeps, runtime]) {
      expect(stage.image).toBe(`node:${nodeMajor}-bookworm-slim`);
    }
    expect(nginxStage.image).toBe('debian:bookworm-slim');
  });

  it('runs as the unprivileged node user, with production dependencies only', async () => {
    expect(argsOf(runtime, 'USER')).toEqual(['node']);
    const installed = await readFile(join(app, 'node_modules/.package-lock.json'), 'utf8');
    const manifest = JSON.parse(await readFile('package.json', 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const packages = Object.keys(
      (JSON.parse(installed) as { packages: Record<string, unknown> }).packages,
    );
    // A devDependency may also be a production dependency's dependency (yaml, through
    // @hono/zod-openapi): the lockfile's `dev` flag says which are development-only.
    const lock = JSON.parse(await readFile('package-lock.json', 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.keys(manifest.devDependencies).filter(
      (dev) => lock.packages[`node_modules/${dev}`]?.dev === true,
    );
    expect(devOnly.length).toBeGreaterThan(5);
    for (const dev of devOnly) {
      expect(packages).not.toContain(`node_modules/${dev}`);
    }
    expect(existsSync(join(app, 'node_modules/sharp'))).toBe(true);
  });

  it('declares the roots as volumes and creates them for the node user', () => {
    const roots = [imageEnv.MEDIA_ROOT, imageEnv.CACHE_ROOT, imageEnv.DATA_DIR];
    expect(argsOf(runtime, 'VOLUME').map((args) => JSON.parse(args))).toEqual([roots]);
    expect(mkdirsOf(runtime)).toEqual(expect.arrayContaining(roots));
    const [setup] = argsOf(runtime, 'RUN').filter((args) => args.startsWith('mkdir'));
    for (const root of roots) expect(setup).toMatch(new RegExp(`chown node:node .*${root}( |$)`));
  });

  it('starts its CMD from the assembled /app, with jemalloc preloaded', async () => {
    if (server === undefined) throw new Error('the server did not start');
    expect(imageEnv.LD_PRELOAD).toBe(JEMALLOC);
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    // Everything the server serves from files is in the image: the admin page too.
    const page = await fetch(`${server.url}/admin/ui`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module"');
    if (preloadJemalloc) {
      const maps = await readFile(`/proc/${server.pid}/maps`, 'utf8');
      expect(maps).toContain(JEMALLOC);
    }
  });

  it('has a HEALTHCHECK that passes while the server answers /healthz and fails once it stops', async () => {
    const { options, cmd } = healthcheckOf(runtime);
    expect(Object.keys(options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    const [command = '', ...args] = cmd;
    const check = () => runProgram(command, args, env, { cwd: app });
    expect((await check()).status).toBe(0);
    await server?.stop();
    expect((await check()).status).toBe(1);
  });

  it("renders nginx's config in compose's nginx-config service: what the tests' nginx runs", async () => {
    const service = compose.services['nginx-config'] ?? {};
    const serviceEnv = {
      PATH: process.env.PATH ?? '',
      ...imageEnv,
      ...composeEnvironment(service),
    };
    const [shell = '', ...args] = service.command ?? [];
    const result = await runProgram(shell, args, serviceEnv, { cwd: app });
    expect(result.status, result.stderr).toBe(0);
    // The command writes where compose mounts the volume nginx reads its conf.d from.
    const [written] = /> (\S+)$/.exec(args.at(-1) ?? '')?.slice(1) ?? [];
    expect(written).toBeDefined();
    const mountPath = join(WORKDIR, written ?? '', '..');
    const configVolume = mountsOf(service)[mountPath]?.volume;
    expect(configVolume).toBeDefined();
    expect(mountsOf(compose.services.nginx ?? {})['/etc/nginx/conf.d']).toEqual({
      volume: configVolume,
      readOnly: true,
    });
    const rendered = await readFile(join(app, written ?? ''), 'utf8');
    const template = await readFile(NGINX_TEMPLATE_URL, 'utf8');
    expect(rendered).toBe(renderNginxConfig(template, loadConfig(serviceEnv), { listen: '80' }));
    expect(rendered).toContain('server rendition:3000;');
  });
});

describe('docker/compose.yaml', () => {
  const services = compose.services;
  const rendition = services.rendition ?? {};
  const nginx = services.nginx ?? {};

  it('builds the server and nginx from the Dockerfile stages', () => {
    expect(rendition.build).toEqual({
      context: '..',
      dockerfile: 'docker/Dockerfile',
      target: 'runtime',
    });
    expect(services['nginx-config']?.build).toEqual(rendition.build);
    expect(nginx.build?.target).toBe('nginx');
  });

  it("gives the server settings that load, and nginx-config the server's settings", () => {
    const serverEnv = { ...imageEnv, ...composeEnvironment(rendition) };
    const config = loadConfig(serverEnv);
    expect(config.admin.token).toBe(CHILD_ADMIN_TOKEN);
    const { HOST, PORT, ...shared } = composeEnvironment(services['nginx-config'] ?? {});
    expect(HOST).toBe('rendition');
    expect(PORT).toBe(imageEnv.PORT);
    const { ADMIN_TOKEN, ...serverShared } = composeEnvironment(rendition);
    expect(ADMIN_TOKEN).toBe(CHILD_ADMIN_TOKEN);
    expect(shared).toEqual(serverShared);
  });

  it('shares the media and cache volumes with nginx, read-only, at the roots; never the data', () => {
    const server = mountsOf(rendition);
    const front = mountsOf(nginx);
    for (const root of [imageEnv.MEDIA_ROOT ?? '', imageEnv.CACHE_ROOT ?? '']) {
      expect(server[root]?.readOnly).toBe(false);
      expect(front[root]).toEqual({ volume: server[root]?.volume, readOnly: true });
    }
    const dataVolume = server[imageEnv.DATA_DIR ?? '']?.volume;
    expect(dataVolume).toBeDefined();
    expect(Object.values(front).map((mount) => mount.volume)).not.toContain(dataVolume);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual([
      'cache',
      'data',
      'media',
      'nginx-conf',
    ]);
  });

  it('starts nginx after its config is written and the server is healthy', () => {
    expect(nginx.depends_on).toEqual({
      'nginx-config': { condition: 'service_completed_successfully' },
      rendition: { condition: 'service_healthy' },
    });
    expect(nginx.ports).toEqual(['8080:80']);
  });
});

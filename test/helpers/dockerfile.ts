// Reads docker/Dockerfile and docker/compose.yaml the way the tests need them: stages with
// their instructions, exec-form commands, ENV pairs; compose with merge keys and `${VAR…}`
// interpolation. Just enough of both formats for the files this repository ships.

import { parse as parseYaml } from 'yaml';

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY, ENV, CMD, HEALTHCHECK, … */
  readonly keyword: string;
  /** Everything after the keyword, continuation lines joined with a space. */
  readonly args: string;
}

export interface Stage {
  readonly image: string;
  /** The `AS` name, else the stage's index. */
  readonly name: string;
  readonly instructions: readonly Instruction[];
}

/** The stages of a Dockerfile, each with its instructions (comments and blank lines dropped). */
export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const continued = trimmed.endsWith('\\');
    pending += `${pending === '' ? '' : ' '}${continued ? trimmed.slice(0, -1).trim() : trimmed}`;
    if (continued) continue;
    const match = /^(\S+)\s+(.*)$/.exec(pending);
    if (match?.[1] === undefined || match[2] === undefined) {
      throw new Error(`Dockerfile: cannot read ${JSON.stringify(pending)}`);
    }
    instructions.push({ keyword: match[1].toUpperCase(), args: match[2] });
    pending = '';
  }
  const stages: { image: string; name: string; instructions: Instruction[] }[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({
        image,
        name: as?.toUpperCase() === 'AS' && name !== undefined ? name : String(stages.length),
        instructions: [],
      });
      continue;
    }
    const stage = stages.at(-1);
    if (stage === undefined) throw new Error(`Dockerfile: ${instruction.keyword} before FROM`);
    stage.instructions.push(instruction);
  }
  return stages;
}

/** The stage called `name`; throws if there is none. */
export function stageNamed(stages: readonly Stage[], name: string): Stage {
  const stage = stages.find((candidate) => candidate.name === name);
  if (stage === undefined) throw new Error(`Dockerfile: no stage named ${name}`);
  return stage;
}

/** The arguments of every `keyword` instruction of a stage, in order. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
}

/** An exec-form command (`["node", "x"]`); throws on the shell form. */
export function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((part) => typeof part === 'string')) {
    throw new Error(`Expected an exec-form command but received ${args}`);
  }
  return parsed;
}

/** The `key=value` pairs of a stage's ENV instructions (no quoting or spaces in values). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      if (at <= 0) throw new Error(`Dockerfile: ENV ${pair} is not key=value`);
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}

/** HEALTHCHECK's options (`interval` → `30s`) and its exec-form command. */
export function healthcheckOf(stage: Stage): { options: Record<string, string>; cmd: string[] } {
  const [args] = argsOf(stage, 'HEALTHCHECK');
  const match = args === undefined ? null : /^((?:--\S+=\S+\s+)*)CMD\s+(.*)$/.exec(args);
  if (match === null) throw new Error(`Dockerfile: stage ${stage.name} has no HEALTHCHECK CMD`);
  const options = Object.fromEntries(
    (match[1] ?? '')
      .trim()
      .split(/\s+/)
      .filter((option) => option !== '')
      .map((option) => option.slice(2).split('=') as [string, string]),
  );
  return { options, cmd: execForm(match[2] ?? '') };
}

/** `COPY [--from=stage] <sources…> <destination>` of a stage. */
export function copiesOf(
  stage: Stage,
): { from: string | undefined; sources: string[]; destination: string }[] {
  return argsOf(stage, 'COPY').map((args) => {
    const parts = args.split(/\s+/);
    const from = parts[0]?.startsWith('--from=')
      ? parts.shift()?.slice('--from='.length)
      : undefined;
    const destination = parts.pop() ?? '';
    return { from, sources: parts, destination };
  });
}

/**
 * docker/compose.yaml as compose reads it: merge keys (`<<: *anchor`) applied and
 * `${VAR}`, `${VAR:-default}`, `${VAR:?message}` taken from `env`.
 */
export function parseCompose(text: string, env: Record<string, string>): ComposeFile {
  const interpolated = text.replace(
    /\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g,
    (_, name: string, kind: string | undefined, operand: string | undefined) => {
      const value = env[name];
      if (value !== undefined && value !== '') return value;
      if (kind === '?') throw new Error(`compose: ${name} is required: ${operand ?? ''}`);
      return kind === '-' ? (operand ?? '') : '';
    },
  );
  return parseYaml(interpolated, { merge: true }) as ComposeFile;
}

export interface ComposeService {
  readonly build?: { context: string; dockerfile: string; target?: string };
  readonly image?: string;
  readonly environment?: Record<string, string | number>;
  readonly command?: string[];
  readonly volumes?: string[];
  readonly ports?: string[];
  readonly depends_on?: Record<string, { condition: string }>;
}

export interface ComposeFile {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

/** A service's environment with every value as a string. */
export function composeEnvironment(service: ComposeService): Record<string, string> {
  return Object.fromEntries(
    Object.entries(service.environment ?? {}).map(([key, value]) => [key, String(value)]),
  );
}

/** `volume:/path[:ro]` entries of a service: mount path → {volume, readOnly}. */
export function mountsOf(
  service: ComposeService,
): Record<string, { volume: string; readOnly: boolean }> {
  return Object.fromEntries(
    (service.volumes ?? []).map((entry) => {
      const [volume = '', path = '', mode] = entry.split(':');
      return [path, { volume, readOnly: mode === 'ro' }];
    }),
  );
}

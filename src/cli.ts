#!/usr/bin/env node
// Composition root of the command line: `rendition <command>` with the server's settings.
// The only module that reads the environment; each command lives in src/commands/<command>.ts.

import { ConfigError, type Config, loadConfig, settingTypos } from './config/load-config.js';
import { formatSettingsTable } from './config/settings-table.js';
import { AppError } from './errors.js';
import type { CliContext, Command } from './commands/cli-context.js';
import { CliError, USAGE_EXIT } from './commands/cli-error.js';
import { deleteCommand } from './commands/delete.js';
import { gcCommand } from './commands/gc.js';
import { nginxConfigCommand } from './commands/nginx-config.js';
import { registerCommand } from './commands/register.js';
import { setHeapGrowth } from './commands/heap-growth.js';
import { serveCommand } from './commands/serve.js';
import { USAGE } from './commands/usage.js';
import { warmCommand } from './commands/warm.js';

const COMMANDS: Readonly<Record<string, Command>> = {
  serve: serveCommand,
  register: registerCommand,
  warm: warmCommand,
  delete: deleteCommand,
  'nginx-config': nginxConfigCommand,
  gc: gcCommand,
};

const SETTINGS_HELP = 'Settings come from environment variables and the optional CONFIG_FILE:';

async function main(argv: readonly string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h' || wantsHelp(rest)) {
    process.stdout.write(`${USAGE}\n${SETTINGS_HELP}\n${formatSettingsTable()}\n`);
    return 0;
  }
  const run = COMMANDS[command];
  if (run === undefined) {
    process.stderr.write(
      `rendition: unknown command ${JSON.stringify(command)}\n\n${USAGE}\nSee \`rendition help\` for the settings.\n`,
    );
    return USAGE_EXIT;
  }
  for (const line of settingTypos(process.env))
    process.stderr.write(`rendition: warning: ${line}\n`);
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`rendition: ${error.message}\n`);
      return USAGE_EXIT;
    }
    throw error;
  }
  if (command === 'serve') setHeapGrowth(process.execArgv, process.env.NODE_OPTIONS ?? '');
  const context: CliContext = {
    config,
    serverUrl: process.env.RENDITION_URL,
    stdout: process.stdout,
    stderr: process.stderr,
  };
  try {
    return await run(context, rest);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`rendition: ${error.message}\n`);
      return error.exitCode;
    }
    // Checks the CLI shares with the server (e.g. a media path) speak the API's codes.
    if (error instanceof AppError) {
      process.stderr.write(`rendition: ${error.code}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** `--help` or `-h` among a command's options (before any `--`). */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`rendition: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);

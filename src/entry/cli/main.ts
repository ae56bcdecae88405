import { Command, Option } from 'commander';
import pkg from '../../../package.json' with { type: 'json' };
import { StateError } from '../../state/state-error.js';
import { flagVariables } from '../../config/env.js';
import { EXIT_CONFIG } from './config-option.js';
import { watchOutput } from './output.js';

// Each flag also reads its variable (README, Configuration): a flag given wins over the environment.
const configOption = () =>
  new Option('--config <file>', 'config JSON (keys as in manifest.json); OPENPANEL_DESTINATION_<KEY> variables override it').env(flagVariables.config);
const inputOption = () => new Option('--input <file>', 'events as NDJSON, a JSON array or {"batch": [...]} (default: stdin)');
const dataDirOption = () =>
  new Option('--data-dir <dir>', 'state: outbox, membership, delivered keys, dead letters (one process at a time)')
    .default('./data')
    .env(flagVariables.dataDir);
const lockTimeoutOption = () =>
  new Option('--lock-timeout <ms>', 'how long to wait for another process using --data-dir before giving up (exit 6)')
    .default(5000)
    .argParser(Number)
    .env(flagVariables.lockTimeout);
const transportOption = () =>
  new Option('--transport <name>', 'HTTP transport to OpenPanel').choices(['undici', 'http']).default('undici').env(flagVariables.transport);

/**
 * Each command's module is imported when it runs: `transform` then loads neither Fastify nor SQLite nor Redis,
 * which cost a short run more than its work (README, Performance).
 */
export function buildProgram(): Command {
  const program = new Command('openpanel-destination')
    .description('Segment/RudderStack-spec events to OpenPanel, with server-side group membership')
    .version(pkg.version)
    .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : EXIT_CONFIG));

  program
    .command('transform')
    .description('dry run: print the OpenPanel requests for each event as JSON lines; sends nothing')
    .addOption(configOption())
    .addOption(inputOption())
    .option('--pretty', 'readable output instead of JSON lines')
    .action(async (options) => (await import('./transform-command.js')).transformCommand(options));

  program
    .command('send')
    .description('queue durably and deliver to OpenPanel; prints a summary; exit 1 unless all were delivered or skipped (README: exit codes)')
    .addOption(configOption())
    .addOption(inputOption())
    .addOption(dataDirOption())
    .addOption(lockTimeoutOption())
    .addOption(transportOption())
    .action(async (options) => {
      process.exitCode = await (await import('./send-command.js')).sendCommand(options);
    });

  program
    .command('replay')
    .description('move the dead letters kept under --data-dir back into the queue and deliver them')
    .addOption(configOption())
    .addOption(dataDirOption())
    .addOption(lockTimeoutOption())
    .addOption(transportOption())
    .action(async (options) => {
      process.exitCode = await (await import('./replay-command.js')).replayCommand(options);
    });

  program
    .command('serve')
    .description('HTTP intake: Segment-compatible /v1 API, /webhook, RudderStack transformer API; delivers to OpenPanel')
    .addOption(configOption())
    .addOption(dataDirOption())
    .addOption(transportOption())
    .addOption(new Option('--port <port>', 'port to listen on').default('8080').env(flagVariables.port))
    .addOption(new Option('--host <host>', 'address to bind (default 0.0.0.0; 127.0.0.1 with --no-auth)').env(flagVariables.host))
    .option('--no-auth', 'serve without writeKey/webhookSecret, on loopback only (local trials)')
    .addOption(new Option('--log-level <level>', 'pino log level').default('info').env(flagVariables.logLevel))
    .action(async (options) => (await import('./serve-command.js')).serveCommand(options));

  program
    .command('validate-config')
    .description('check a config (file and OPENPANEL_DESTINATION_* environment); exit 2 with one line per problem')
    .addOption(configOption())
    .action(async (options) => {
      process.exitCode = (await import('./validate-config-command.js')).validateConfigCommand(options);
    });

  return program;
}

export async function main(argv: string[]): Promise<void> {
  watchOutput();
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    // Unusable state: one line naming the path, the cause and what to do, with its own exit code.
    if (!(error instanceof StateError)) throw error;
    process.stderr.write(`${error.message}\n`);
    // Exit now: a store that failed after it opened (Redis gone) still holds its reconnect timer and the workers.
    process.exit(error.exitCode);
  }
}

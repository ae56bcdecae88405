import { existsSync } from 'node:fs';
import type { Transport } from '../../openpanel/http-client.js';
import { stateLocation } from '../../state/open-state.js';
import { createDestination } from '../library/destination.js';
import { configOrExit, EXIT_CONFIG } from './config-option.js';
import { EXIT_CREDENTIALS } from './send-command.js';

export interface ReplayOptions {
  config?: string;
  dataDir: string;
  lockTimeout?: number;
  transport?: Transport;
}

/**
 * Moves the dead letters under --data-dir back into the outbox and drains it (with anything else queued there).
 * Exit 1 while any still fail (they are dead letters again), 3 when OpenPanel refuses the credentials.
 */
export async function replayCommand(options: ReplayOptions): Promise<number> {
  const config = configOrExit(options.config);
  // Opening the store would create an empty data dir and report "replayed 0": a mistyped path says so instead.
  if (config.store.type === 'sqlite' && !existsSync(options.dataDir)) {
    process.stderr.write(`replay: --data-dir ${options.dataDir} does not exist: no dead letters there (send and serve create it)\n`);
    return EXIT_CONFIG;
  }
  const destination = createDestination(config, { dataDir: options.dataDir, lockTimeoutMs: options.lockTimeout, transport: options.transport });
  const { delivered, failed } = await destination.replay();
  const health = destination.health();
  const left = await destination.close();
  process.stdout.write(`replayed ${delivered + failed} dead letters: delivered ${delivered}, still failing ${failed}\n`);
  if (health.cause === 'credentials') {
    process.stderr.write(
      `${health.reason ?? 'OpenPanel refused the credentials'}; delivery stopped, ${left.queuedEvents} events kept queued in ${stateLocation(config.store, options.dataDir)}: fix the credentials and run replay again\n`,
    );
    return EXIT_CREDENTIALS;
  }
  return failed === 0 ? 0 : 1;
}

import type { Transport } from '../../openpanel/http-client.js';
import { stateLocation } from '../../state/open-state.js';
import { createDestination } from '../library/destination.js';
import { configOrExit } from './config-option.js';
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
  const destination = createDestination(config, { dataDir: options.dataDir, lockTimeoutMs: options.lockTimeout, transport: options.transport });
  const { delivered, failed } = await destination.replay();
  const health = destination.health();
  const left = await destination.close();
  process.stdout.write(`replayed ${delivered + failed} dead letters: delivered ${delivered}, still failing ${failed}\n`);
  if (health.cause === 'credentials') {
    process.stderr.write(`${health.reason ?? 'OpenPanel refused the credentials'}; delivery stopped, ${left.queuedEvents} events kept queued in ${stateLocation(config.store, options.dataDir)}: fix the credentials and run replay again\n`);
    return EXIT_CREDENTIALS;
  }
  return failed === 0 ? 0 : 1;
}

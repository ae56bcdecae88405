import type { Transport } from '../../openpanel/http-client.js';
import { createDestination } from '../library/destination.js';
import { configOrExit } from './config-option.js';

export interface ReplayOptions {
  config?: string;
  dataDir: string;
  transport?: Transport;
}

/** Re-sends the dead letters under --data-dir; exit 1 while any still fail (they stay stored). */
export async function replayCommand(options: ReplayOptions): Promise<number> {
  const config = configOrExit(options.config);
  const destination = createDestination(config, { dataDir: options.dataDir, transport: options.transport });
  const { delivered, failed } = await destination.replay();
  await destination.close();
  process.stdout.write(`replayed ${delivered + failed} dead letters: delivered ${delivered}, still failing ${failed}\n`);
  return failed === 0 ? 0 : 1;
}

import type { EventOutcome } from '../../delivery/outcome.js';
import type { Transport } from '../../openpanel/http-client.js';
import type { InputItem } from '../../spec/input.js';
import { createDestination } from '../library/destination.js';
import { configOrExit } from './config-option.js';
import { readInput } from './input.js';
import { progressBar } from './progress.js';
import { printSummary } from './summary.js';

export interface SendOptions {
  config?: string;
  input?: string;
  dataDir: string;
  transport?: Transport;
}

const CLOSE_DEADLINE_MS = 30_000;

/**
 * Transforms and delivers every input event; state (membership, delivered ids, dead letters) lives in SQLite
 * under --data-dir. Exit 1 unless every event was delivered or skipped. Ctrl-C drains briefly, then
 * dead-letters what is left, so nothing is lost.
 */
export async function sendCommand(options: SendOptions): Promise<number> {
  const config = configOrExit(options.config);
  const items: InputItem[] = await readInput(options.input);
  const destination = createDestination(config, { dataDir: options.dataDir, transport: options.transport });
  const progress = progressBar(items.length);
  const interrupt = (): void => void destination.close(2_000);
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const pending: Array<Promise<EventOutcome>> = [];
  for (let index = 0; index < items.length; index++) {
    const item = items[index] as InputItem;
    const done =
      'value' in item
        ? (await destination.enqueue(item.value, index)).done
        : Promise.resolve<EventOutcome>({ index, status: 'rejected', reason: item.error });
    pending.push(done.then((outcome) => (progress.tick(outcome), outcome)));
  }
  const outcomes = await Promise.all(pending);
  progress.stop();
  await destination.close(CLOSE_DEADLINE_MS);
  process.removeListener('SIGINT', interrupt);
  process.removeListener('SIGTERM', interrupt);

  const health = destination.health();
  if (!health.healthy) process.stderr.write(`OpenPanel refused the credentials: ${health.reason ?? ''}\n`);
  const counts = printSummary(outcomes, options.dataDir);
  return counts.rejected + counts.dead_lettered === 0 ? 0 : 1;
}

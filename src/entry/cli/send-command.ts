import { isFailure, type EventOutcome } from '../../delivery/outcome.js';
import type { Transport } from '../../openpanel/http-client.js';
import { createDestination } from '../library/destination.js';
import { configOrExit } from './config-option.js';
import { countLines, readInput } from './input.js';
import { progressBar } from './progress.js';
import { printSummary } from './summary.js';

export interface SendOptions {
  config?: string;
  input?: string;
  dataDir: string;
  transport?: Transport;
}

const CLOSE_DEADLINE_MS = 30_000;
const INTERRUPT_DEADLINE_MS = 2_000;
/** The shell's code for a run ended by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;

/**
 * Transforms and delivers every input event; state (membership, delivered ids, dead letters) lives in SQLite
 * under --data-dir. Exit 1 unless every event was delivered or skipped. Ctrl-C (or SIGTERM) stops reading,
 * gives what is in flight a moment, then dead-letters the rest: nothing handed over is lost.
 */
export async function sendCommand(options: SendOptions): Promise<number> {
  const config = configOrExit(options.config);
  const destination = createDestination(config, { dataDir: options.dataDir, transport: options.transport });
  // The bar's total costs a pass over the file: only worth it when there is a terminal to draw on.
  const progress = progressBar(process.stderr.isTTY ? await countLines(options.input) : undefined);
  let closing: Promise<void> | undefined;
  const interrupt = (): void => void (closing ??= destination.close(INTERRUPT_DEADLINE_MS));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  const pending: Array<Promise<EventOutcome>> = [];
  let index = 0;
  for await (const item of readInput(options.input)) {
    if (closing !== undefined) break;
    let done: Promise<EventOutcome>;
    try {
      done = 'value' in item ? (await destination.enqueue(item.value, index)).done : Promise.resolve({ index, status: 'rejected', reason: item.error });
    } catch (error) {
      if (closing !== undefined) break; // interrupted while this event waited for room: it was not taken
      throw error;
    }
    index++;
    pending.push(done.then((outcome) => (progress.tick(outcome), outcome)));
  }
  const outcomes = await Promise.all(pending);
  progress.stop();
  await (closing ?? destination.close(CLOSE_DEADLINE_MS));
  process.removeListener('SIGINT', interrupt);
  process.removeListener('SIGTERM', interrupt);

  const health = destination.health();
  if (!health.healthy) process.stderr.write(`OpenPanel refused the credentials: ${health.reason ?? ''}\n`);
  printSummary(outcomes, options.dataDir);
  if (closing !== undefined) {
    // Dead letters hold requests that depended on state this run already recorded (an upsert, a linked group):
    // replay sends those, the re-run sends what was never read; dedupe keeps either from sending anything twice.
    process.stderr.write(`interrupted: run \`openpanel-destination replay --data-dir ${options.dataDir}\`, then this send again, to deliver the rest (nothing is sent twice)\n`);
    return EXIT_INTERRUPTED;
  }
  return outcomes.some(isFailure) ? 1 : 0;
}

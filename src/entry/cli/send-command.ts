import type { AttemptReport } from '../../delivery/deliverer.js';
import { isFailure, type EventOutcome, type OutcomeStatus } from '../../delivery/outcome.js';
import type { Transport } from '../../openpanel/http-client.js';
import { stateLocation } from '../../state/open-state.js';
import { isDuplicateSkip } from '../../delivery/batch-intake.js';
import { openDestination, type AcceptOutcome } from '../library/destination.js';
import { batches } from './batches.js';
import { configOrExit } from './config-option.js';
import { keepHeapNearLive } from './heap.js';
import { countLines, inputOrExit, readInput } from './input.js';
import { progressBar } from './progress.js';
import { printSummary } from './summary.js';

export interface SendOptions {
  config?: string;
  input?: string;
  dataDir: string;
  lockTimeout?: number;
  transport?: Transport;
}

/** OpenPanel refused the credentials: delivery stopped, the events stay queued (README "Exit codes"). */
export const EXIT_CREDENTIALS = 3;
/** The shell's codes for a run ended by SIGINT (Ctrl-C) and SIGTERM. */
export const EXIT_INTERRUPTED = 130;
export const EXIT_TERMINATED = 143;

/** Input events transformed and committed together, one transaction each. */
export const BATCH_SIZE = 500;
/** A batch is committed early when the input pauses this long (stdin trickling in). */
const INPUT_PAUSE_MS = 50;
/** How often trouble reaching OpenPanel is reported while it lasts. */
const NOTICE_EVERY_MS = 30_000;
const NOTICE_CHECK_MS = 2_000;

type Stop = 'SIGINT' | 'SIGTERM' | 'paused';

/** Counts by status and the first failures; memory does not grow with the input. */
class Tally {
  readonly counts: Record<OutcomeStatus, number> = { delivered: 0, skipped: 0, rejected: 0, dead_lettered: 0 };
  readonly firstFailures: EventOutcome[] = [];
  failures = 0;
  /** Skipped because an earlier run (or this one) already delivered or queued them. */
  alreadyDelivered = 0;

  add(outcome: EventOutcome): void {
    this.counts[outcome.status]++;
    if (isDuplicateSkip(outcome)) this.alreadyDelivered++;
    if (!isFailure(outcome)) return;
    if (this.failures++ < 20) this.firstFailures.push(outcome);
  }
}

/** Says on stderr (piped or not) when OpenPanel keeps failing: what fails, how much waits, that Ctrl-C keeps it. */
function troubleNotices(queued: () => Promise<number>, maxRetryAgeMs: number) {
  let lastProblem: string | undefined;
  let deliveredSince = 0;
  let lastNoticeAt = 0;
  const timer = setInterval(() => {
    const problem = lastProblem;
    const delivering = deliveredSince > 0;
    lastProblem = undefined;
    deliveredSince = 0;
    if (problem === undefined || delivering || Date.now() - lastNoticeAt < NOTICE_EVERY_MS) return;
    lastNoticeAt = Date.now();
    void queued().then((n) =>
      process.stderr.write(
        `OpenPanel is not accepting requests (${problem}): ${n} events queued, retrying with backoff for up to ${Math.round(maxRetryAgeMs / 60_000)} min; Ctrl-C keeps them queued for the next run\n`,
      ),
    );
  }, NOTICE_CHECK_MS).unref();
  return {
    onAttempt(attempt: AttemptReport): void {
      if (attempt.result === 'delivered') deliveredSince++;
      else if (attempt.result === 'retry') lastProblem = attempt.status !== undefined ? `HTTP ${attempt.status}` : `network error ${attempt.code ?? ''}`.trim();
    },
    stop: () => clearInterval(timer),
  };
}

/**
 * Commits every input event to the outbox under --data-dir (in batches, one transaction each) and drains it,
 * along with anything an earlier run left queued. Exit 1 unless every event was delivered or skipped.
 * SIGINT/SIGTERM: stop reading, let requests on the wire finish, keep the rest queued; a second signal stops
 * waiting for the wire. A 401 stops delivery at once, events kept queued, exit 3.
 */
export async function sendCommand(options: SendOptions): Promise<number> {
  const config = configOrExit(options.config);
  inputOrExit(options.input);
  keepHeapNearLive();
  const tally = new Tally();
  // The bar's total costs a pass over the file: only worth it when there is a terminal to draw on.
  const progress = progressBar(process.stderr.isTTY ? await countLines(options.input) : undefined);
  let stopped: Stop | undefined;
  const stopping = new AbortController();
  const stop = (why: Stop): void => {
    stopped ??= why;
    stopping.abort();
  };
  let notices: ReturnType<typeof troubleNotices> | undefined;
  const destination = openDestination(config, {
    dataDir: options.dataDir,
    lockTimeoutMs: options.lockTimeout,
    transport: options.transport,
    observer: {
      onAttempt(attempt) {
        notices?.onAttempt(attempt);
        if (attempt.status === 401 && destination.health().cause === 'credentials') stop('paused');
      },
      onFinal(outcome) {
        tally.add(outcome);
        progress.tick(outcome);
      },
    },
  });
  notices = troubleNotices(async () => (await destination.stats()).queuedEvents, config.maxRetryAgeMs);
  const backlog = (await destination.stats()).queuedEvents;
  let signals = 0;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => (): void => {
    if (++signals === 1) return stop(signal);
    // A second signal: stop waiting for requests on the wire (they stay queued); state is still committed.
    void destination.close(0);
  };
  const onInt = onSignal('SIGINT');
  const onTerm = onSignal('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);

  try {
    let index = 0;
    const taken = (outcome: AcceptOutcome | EventOutcome): void => {
      if (outcome.status === 'accepted') return;
      tally.add(outcome as EventOutcome);
      progress.tick(outcome as EventOutcome);
    };
    for await (const batch of batches(readInput(options.input), BATCH_SIZE, INPUT_PAUSE_MS)) {
      if (stopped) break;
      const values: unknown[] = [];
      const indexes: number[] = [];
      for (const item of batch) {
        if ('value' in item) {
          values.push(item.value);
          indexes.push(index);
        } else taken({ index, status: 'rejected', reason: item.error });
        index++;
      }
      // Paced: unread input waits where it is (its file, or a pipe's writer); only what delivery needs soon is committed.
      const accepted = await destination.acceptWhenRoom(values, indexes, stopping.signal, { paced: true });
      if (accepted === undefined) break;
      accepted.forEach(taken);
    }
    if (!stopped) {
      const end = await destination.drained({ orPaused: true, orStateFailure: true, signal: stopping.signal });
      if (end === 'paused') stop('paused');
    }
  } finally {
    notices.stop();
    progress.stop();
  }
  const left = await destination.close();
  process.removeListener('SIGINT', onInt);
  process.removeListener('SIGTERM', onTerm);

  // Where the queue and dead letters are: the data dir, or the Redis of config `store`.
  const where = stateLocation(config.store, options.dataDir);
  const redis = config.store.type === 'redis';
  printSummary(tally, where, redis ? `--config ${options.config ?? 'FILE'}` : `--data-dir ${options.dataDir}`);
  if (backlog > 0) process.stderr.write(`(${backlog} of these events were queued by an earlier run)\n`);
  const next = `run the same send again (or \`openpanel-destination serve\` on this ${redis ? 'store' : '--data-dir'}) to deliver them; nothing is sent twice`;
  if (stopped === 'paused') {
    process.stderr.write(
      `${destination.health().reason ?? 'OpenPanel refused the credentials'}; delivery stopped, ${left.queuedEvents} events kept queued in ${where}: fix the credentials, then ${next}\n`,
    );
    return EXIT_CREDENTIALS;
  }
  if (stopped) {
    process.stderr.write(`interrupted (${stopped}): ${left.queuedEvents} events kept queued in ${where}; ${next}\n`);
    return stopped === 'SIGINT' ? EXIT_INTERRUPTED : EXIT_TERMINATED;
  }
  return tally.failures > 0 ? 1 : 0;
}

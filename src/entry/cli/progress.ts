import cliProgress from 'cli-progress';
import { isFailure, type EventOutcome } from '../../delivery/outcome.js';

/** The rate is only known after this long and this many events: before, the ETA reads "--" (not hours from one event). */
const RATE_KNOWN_AFTER_MS = 1_000;
const RATE_KNOWN_AFTER_EVENTS = 10;

/** 42s, 3m05s, 2h07m. */
export function formatEta(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Progress with rate and ETA on a terminal (stderr), nothing otherwise, so piped output stays clean. `total` is
 * an estimate (lines of the input file; unknown for stdin): it grows if more events than that arrive.
 */
export function progressBar(
  estimate: number | undefined,
  stream: NodeJS.WriteStream = process.stderr,
  now: () => number = Date.now,
): { tick(outcome: EventOutcome): void; stop(): void } {
  if (!stream.isTTY) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream, format: '{bar} {percentage}% | {value}/{total} events | {rate} ev/s | ETA {remaining} | failed {failed}' },
    cliProgress.Presets.shades_classic,
  );
  const started = now();
  let total = estimate ?? 0;
  let done = 0;
  let failed = 0;
  // `remaining`, not cli-progress's own `eta`, which it computes from the first ticks alone.
  bar.start(total, 0, { rate: '--', remaining: '--', failed });
  return {
    tick(outcome) {
      done++;
      if (done > total) bar.setTotal((total = done));
      if (isFailure(outcome)) failed++;
      const elapsedMs = now() - started;
      const known = elapsedMs >= RATE_KNOWN_AFTER_MS && done >= RATE_KNOWN_AFTER_EVENTS;
      const rate = done / Math.max(elapsedMs / 1000, 0.001);
      bar.increment(1, { rate: known ? Math.round(rate) : '--', remaining: known ? formatEta((total - done) / rate) : '--', failed });
    },
    stop: () => bar.stop(),
  };
}

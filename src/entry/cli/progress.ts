import cliProgress from 'cli-progress';
import type { EventOutcome } from '../../delivery/outcome.js';

/** Progress with rate and ETA on a terminal (stderr), nothing otherwise, so piped output stays clean. */
export function progressBar(total: number): { tick(outcome: EventOutcome): void; stop(): void } {
  if (!process.stderr.isTTY) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{bar} {percentage}% | {value}/{total} events | {rate} ev/s | ETA {eta_formatted} | failed {failed}',
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let failed = 0;
  bar.start(total, 0, { rate: 0, failed });
  return {
    tick(outcome) {
      if (outcome.status === 'rejected' || outcome.status === 'dead_lettered') failed++;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.increment(1, { rate: Math.round(((bar.getProgress() * total) + 1) / seconds), failed });
    },
    stop: () => bar.stop(),
  };
}

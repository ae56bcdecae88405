import cliProgress from 'cli-progress';
import { isFailure, type EventOutcome } from '../../delivery/outcome.js';

/**
 * Progress with rate and ETA on a terminal (stderr), nothing otherwise, so piped output stays clean. `total` is
 * an estimate (lines of the input file; unknown for stdin): it grows if more events than that arrive.
 */
export function progressBar(estimate: number | undefined, stream: NodeJS.WriteStream = process.stderr): { tick(outcome: EventOutcome): void; stop(): void } {
  if (!stream.isTTY) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream,
      format: '{bar} {percentage}% | {value}/{total} events | {rate} ev/s | ETA {eta_formatted} | failed {failed}',
      etaBuffer: 200,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let total = estimate ?? 0;
  let done = 0;
  let failed = 0;
  bar.start(total, 0, { rate: 0, failed });
  return {
    tick(outcome) {
      done++;
      if (done > total) bar.setTotal((total = done));
      if (isFailure(outcome)) failed++;
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      bar.increment(1, { rate: Math.round(done / seconds), failed });
    },
    stop: () => bar.stop(),
  };
}

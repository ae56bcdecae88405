import type { EventOutcome, OutcomeStatus } from '../../delivery/outcome.js';

export interface OutcomeCounts {
  counts: Record<OutcomeStatus, number>;
  /** The first few failures, with their reasons. */
  firstFailures: readonly EventOutcome[];
  failures: number;
  /** Of the skipped, those already delivered (or queued) by an earlier run or earlier in this one. */
  alreadyDelivered: number;
}

/**
 * The end-of-run report: counts on stdout, and the first failures with their reasons on stderr. `where` the
 * dead letters are kept, and the arguments that make `replay` find them.
 */
export function printSummary({ counts, firstFailures, failures, alreadyDelivered }: OutcomeCounts, where: string, replayArgs: string): void {
  for (const o of firstFailures) {
    process.stderr.write(`event #${o.index}${o.messageId ? ` (${o.messageId})` : ''} ${o.status}: ${o.reason ?? ''}\n`);
  }
  if (failures > firstFailures.length) process.stderr.write(`... and ${failures - firstFailures.length} more\n`);
  process.stdout.write(
    `delivered ${counts.delivered}, skipped ${counts.skipped}${alreadyDelivered > 0 ? ` (${alreadyDelivered} already delivered or queued)` : ''}, rejected ${counts.rejected}, dead-lettered ${counts.dead_lettered}` +
      (counts.dead_lettered > 0 ? ` (kept in ${where}; run \`openpanel-destination replay ${replayArgs}\` to re-send)` : '') +
      '\n',
  );
}

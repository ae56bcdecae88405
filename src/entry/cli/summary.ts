import type { EventOutcome, OutcomeStatus } from '../../delivery/outcome.js';

export interface OutcomeCounts {
  counts: Record<OutcomeStatus, number>;
  /** The first few failures, with their reasons. */
  firstFailures: readonly EventOutcome[];
  failures: number;
}

/** The end-of-run report: counts on stdout, and the first failures with their reasons on stderr. */
export function printSummary({ counts, firstFailures, failures }: OutcomeCounts, dataDir: string): void {
  for (const o of firstFailures) {
    process.stderr.write(`event #${o.index}${o.messageId ? ` (${o.messageId})` : ''} ${o.status}: ${o.reason ?? ''}\n`);
  }
  if (failures > firstFailures.length) process.stderr.write(`... and ${failures - firstFailures.length} more\n`);
  process.stdout.write(
    `delivered ${counts.delivered}, skipped ${counts.skipped}, rejected ${counts.rejected}, dead-lettered ${counts.dead_lettered}` +
      (counts.dead_lettered > 0 ? ` (kept in ${dataDir}; run \`openpanel-destination replay --data-dir ${dataDir}\` to re-send)` : '') +
      '\n',
  );
}

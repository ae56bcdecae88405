import { isFailure, type EventOutcome, type OutcomeStatus } from '../../delivery/outcome.js';

const MAX_LISTED = 20;

function countOutcomes(outcomes: readonly EventOutcome[]): Record<OutcomeStatus, number> {
  const counts = { delivered: 0, skipped: 0, rejected: 0, dead_lettered: 0 };
  for (const outcome of outcomes) counts[outcome.status]++;
  return counts;
}

/** The end-of-run report: counts on stdout, and the first failures with their reasons on stderr. */
export function printSummary(outcomes: readonly EventOutcome[], dataDir: string): void {
  const counts = countOutcomes(outcomes);
  const failures = outcomes.filter(isFailure);
  for (const o of failures.slice(0, MAX_LISTED)) {
    process.stderr.write(`event #${o.index}${o.messageId ? ` (${o.messageId})` : ''} ${o.status}: ${o.reason ?? ''}\n`);
  }
  if (failures.length > MAX_LISTED) process.stderr.write(`... and ${failures.length - MAX_LISTED} more\n`);
  process.stdout.write(
    `delivered ${counts.delivered}, skipped ${counts.skipped}, rejected ${counts.rejected}, dead-lettered ${counts.dead_lettered}` +
      (counts.dead_lettered > 0 ? ` (kept in ${dataDir}; run \`openpanel-destination replay --data-dir ${dataDir}\` to re-send)` : '') +
      '\n',
  );
}

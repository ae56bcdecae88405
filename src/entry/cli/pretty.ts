import { isPlainObject } from '../../helpers/values.js';
import type { TransformResult } from '../../transform/result.js';

/** A one-line summary of the incoming call, e.g. `group userId=user_123 groupId=org_acme`. */
function describeInput(event: unknown): string {
  if (!isPlainObject(event)) return 'input';
  const parts = [String(event.type ?? '?')];
  for (const key of ['userId', 'anonymousId', 'event', 'name', 'groupId', 'previousId']) {
    if (event[key] !== undefined) parts.push(`${key}=${JSON.stringify(event[key])}`);
  }
  return parts.join(' ');
}

/** Human-readable transform output (`transform --pretty`, used by `npm run demo`), one block per event. */
export function formatPretty(event: unknown, result: TransformResult): string {
  const lines = [`#${result.index} ${describeInput(event)}`];
  if (result.status === 'ok') {
    for (const { body } of result.requests) lines.push(`    -> POST /track ${body.type.padEnd(12)} ${JSON.stringify(body.payload)}`);
    if (result.note !== undefined) lines.push(`    -- note: ${result.note}`);
  } else {
    lines.push(`    -- ${result.status}: ${result.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

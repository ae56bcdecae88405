import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The built CLI (`pretest` builds it): what a user runs. */
export const bin = new URL('../../bin/openpanel-destination', import.meta.url).pathname;

/** A fresh folder under the OS temp folder, holding `events` as NDJSON in events.ndjson. */
export function workWithInput(prefix: string, events: readonly unknown[]): { work: string; input: string } {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const input = join(work, 'events.ndjson');
  writeFileSync(input, events.map((event) => JSON.stringify(event)).join('\n'));
  return { work, input };
}

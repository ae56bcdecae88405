import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { readInputItems, type InputItem } from '../../events/input-items.js';

/**
 * The input events (--input FILE, else stdin) as a stream: NDJSON is never held whole in memory, so a backfill
 * of any size runs in bounded memory (delivery has its own bound). JSON arrays and `{batch}` documents work too.
 */
export function readInput(file: string | undefined): AsyncGenerator<InputItem> {
  const stream = file === undefined ? process.stdin : createReadStream(file, 'utf8');
  return readInputItems(createInterface({ input: stream, crlfDelay: Infinity }));
}

/** Non-blank lines of the file, for the progress bar's total (exact for NDJSON); undefined for stdin. */
export async function countLines(file: string | undefined): Promise<number | undefined> {
  if (file === undefined) return undefined;
  let count = 0;
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) if (line.trim() !== '') count++;
  return count;
}

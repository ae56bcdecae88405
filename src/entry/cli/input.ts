import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { readInputItems, type InputItem } from '../../events/input-items.js';
import { readFailure } from '../../helpers/read-failure.js';
import { EXIT_CONFIG } from './config-option.js';

/** --input must be a readable file: otherwise one line naming it and why, exit 2 (README "Exit codes"), before any work. */
export function inputOrExit(file: string | undefined): void {
  if (file === undefined) return;
  let why: string | undefined;
  try {
    const fd = openSync(file, 'r');
    try {
      if (fstatSync(fd).isDirectory()) why = 'it is a directory';
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    why = readFailure(error);
  }
  if (why === undefined) return;
  process.stderr.write(`--input ${file}: cannot be read (${why})\n`);
  process.exit(EXIT_CONFIG);
}

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

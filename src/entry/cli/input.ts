import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
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
  return readInputItems(lines(file === undefined ? process.stdin.setEncoding('utf8') : createReadStream(file, 'utf8')));
}

/** Non-blank lines of the file, for the progress bar's total (exact for NDJSON); undefined for stdin. */
export async function countLines(file: string | undefined): Promise<number | undefined> {
  if (file === undefined) return undefined;
  let count = 0;
  for await (const line of lines(createReadStream(file, 'utf8'))) if (line.trim() !== '') count++;
  return count;
}

/**
 * The lines of a text stream, split at \n (a \r before it dropped). Not node:readline: since Node 24 it also
 * ends lines at U+2028 and U+2029, which JSON allows unescaped inside strings, so it cut NDJSON events in two.
 */
async function* lines(stream: AsyncIterable<string>): AsyncGenerator<string> {
  let rest = '';
  for await (const chunk of stream) {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    for (const part of parts) yield part.endsWith('\r') ? part.slice(0, -1) : part;
  }
  if (rest !== '') yield rest.endsWith('\r') ? rest.slice(0, -1) : rest;
}

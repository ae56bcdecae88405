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
 * The input events (--input FILE, else stdin) as a stream, in groups (the events of one read): NDJSON is never
 * held whole in memory, so a backfill of any size runs in bounded memory (delivery has its own bound). JSON
 * arrays and `{batch}` documents work too.
 */
export function readInputGroups(file: string | undefined): AsyncGenerator<InputItem[]> {
  return readInputItems(lineGroups(file === undefined ? process.stdin.setEncoding('utf8') : createReadStream(file, 'utf8')));
}

/** The input events one at a time (see readInputGroups). */
export async function* readInput(file: string | undefined): AsyncGenerator<InputItem> {
  for await (const items of readInputGroups(file)) yield* items;
}

/** Non-blank lines of the file, for the progress bar's total (exact for NDJSON); undefined for stdin. */
export async function countLines(file: string | undefined): Promise<number | undefined> {
  if (file === undefined) return undefined;
  let count = 0;
  for await (const lines of lineGroups(createReadStream(file, 'utf8'))) for (const line of lines) if (line.trim() !== '') count++;
  return count;
}

const withoutCr = (line: string): string => (line.endsWith('\r') ? line.slice(0, -1) : line);

/**
 * The lines of a text stream, split at \n (a \r before it dropped), the complete lines of each chunk read as
 * one group. Not node:readline: since Node 24 it also ends lines at U+2028 and U+2029, which JSON allows
 * unescaped inside strings, so it cut NDJSON events in two.
 */
async function* lineGroups(stream: AsyncIterable<string>): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of stream) {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop()!;
    if (lines.length > 0) yield lines.map(withoutCr);
  }
  if (rest !== '') yield [withoutCr(rest)];
}

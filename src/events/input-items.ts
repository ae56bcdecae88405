import { isPlainObject } from '../helpers/values.js';

/** One input item: the parsed value, or why its text was not JSON (it becomes a `rejected` outcome, its neighbours go on). */
export type InputItem = { value: unknown } | { error: string };

/**
 * Splits a whole input document into events: a JSON array, a `{ "batch": [...] }` envelope (Segment's and
 * RudderStack's batch shape), a single event object, or else NDJSON, one event per line, numbered from
 * `firstLineNumber` (the document's first line in the input).
 */
function parseDocument(lines: string[], firstLineNumber: number): InputItem[] {
  const trimmed = lines.join('\n').trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let whole: unknown;
    try {
      whole = JSON.parse(trimmed);
    } catch {
      whole = undefined; // not one document: NDJSON below
    }
    if (Array.isArray(whole)) return whole.map((value) => ({ value }));
    if (isPlainObject(whole)) return Array.isArray(whole.batch) ? whole.batch.map((value) => ({ value })) : [{ value: whole }];
  }
  const items: InputItem[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      items.push({ value: JSON.parse(line) });
    } catch (error) {
      items.push({ error: `line ${firstLineNumber + i}: not valid JSON (${(error as Error).message})` });
    }
  });
  return items;
}

/**
 * The events of an input, streamed for large inputs (backfills): NDJSON is read line by line (a line may
 * also be a `{ "batch": [...] }` envelope). When the first line is not a JSON object on its own (a JSON array,
 * or a pretty-printed document) the input is read whole and split by parseDocument.
 */
export async function* readInputItems(lines: AsyncIterable<string>): AsyncGenerator<InputItem> {
  let lineNumber = 0;
  let whole: string[] | undefined;
  let wholeFrom = 1;
  let ndjson = false;
  for await (const line of lines) {
    lineNumber++;
    if (whole !== undefined) {
      whole.push(line);
      continue;
    }
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      if (ndjson) {
        yield { error: `line ${lineNumber}: not valid JSON (${(error as Error).message})` };
        continue;
      }
      value = undefined;
    }
    if (!ndjson && !isPlainObject(value)) {
      whole = [line];
      wholeFrom = lineNumber;
      continue;
    }
    ndjson = true;
    if (isPlainObject(value) && Array.isArray(value.batch)) yield* value.batch.map((item) => ({ value: item }));
    else yield { value };
  }
  if (whole !== undefined) yield* parseDocument(whole, wholeFrom);
}

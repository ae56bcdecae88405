import { isPlainObject } from '../helpers/values.js';
import { storableJson } from './well-formed.js';

/**
 * One input item: the parsed value, or why its text was not JSON (it becomes a `rejected` outcome, its neighbours
 * go on). `storable`: its JSON text passed `storableJson`, so the transformer need not walk the value.
 */
export type InputItem = { value: unknown; storable: boolean } | { error: string };

const itemsOf = (values: unknown[], storable: boolean): InputItem[] => values.map((value) => ({ value, storable }));

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
    const storable = storableJson(trimmed);
    if (Array.isArray(whole)) return itemsOf(whole, storable);
    if (isPlainObject(whole)) return itemsOf(Array.isArray(whole.batch) ? whole.batch : [whole], storable);
  }
  const items: InputItem[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      items.push({ value: JSON.parse(line), storable: storableJson(line) });
    } catch (error) {
      items.push({ error: `line ${firstLineNumber + i}: not valid JSON (${(error as Error).message})` });
    }
  });
  return items;
}

/**
 * The events of an input, streamed for large inputs (backfills), in groups: the items of each group of lines
 * (what one read of the input gave), so a fast reader takes a read's events in one step rather than one step per
 * event. NDJSON is read line by line (a line may also be a `{ "batch": [...] }` envelope). When the first line is
 * not a JSON object on its own (a JSON array, or a pretty-printed document) the input is read whole and split by
 * parseDocument.
 */
export async function* readInputItems(lineGroups: AsyncIterable<readonly string[]>): AsyncGenerator<InputItem[]> {
  let lineNumber = 0;
  let whole: string[] | undefined;
  let wholeFrom = 1;
  let ndjson = false;
  for await (const lines of lineGroups) {
    const items: InputItem[] = [];
    for (const line of lines) {
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
          items.push({ error: `line ${lineNumber}: not valid JSON (${(error as Error).message})` });
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
      const storable = storableJson(line);
      if (isPlainObject(value) && Array.isArray(value.batch)) for (const item of value.batch) items.push({ value: item, storable });
      else items.push({ value, storable });
    }
    if (items.length > 0) yield items;
  }
  if (whole === undefined) return;
  const items = parseDocument(whole, wholeFrom);
  if (items.length > 0) yield items;
}

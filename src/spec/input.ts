import { isPlainObject } from '../mapping/paths.js';

/** One input item: the parsed value, or why its text was not JSON (it becomes a `rejected` outcome, its neighbours go on). */
export type InputItem = { value: unknown } | { error: string };

/**
 * Splits an input document into events: a JSON array, a `{ "batch": [...] }` envelope (Segment's and
 * RudderStack's batch shape), a single event object, or NDJSON (one event per line, blank lines ignored).
 */
export function parseInputText(text: string): InputItem[] {
  const trimmed = text.trim();
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
  return parseNdjsonLines(trimmed.split('\n'));
}

export function parseNdjsonLines(lines: string[], firstLineNumber = 1): InputItem[] {
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

/**
 * Text every store can keep: a lone UTF-16 surrogate (`"\ud800"` is valid JSON, but not Unicode) is written to
 * SQLite as bytes that do not read back as the same string and makes Redis' JSON decoder refuse the whole
 * batch; a NUL cuts C strings and is refused by Postgres text. Both become U+FFFD, as JSON parsers do with
 * text they cannot decode (README: "Text that cannot be stored"), in ids, names, keys and values alike.
 */
const REPLACEMENT = '\uFFFD';

// ES2024 string methods (Node 20+), not in the ES2022 lib this project compiles against.
declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

const clean = (text: string): boolean => text.isWellFormed() && !text.includes('\0');
const fixed = (text: string): string => text.toWellFormed().replaceAll('\0', REPLACEMENT);

/** The only escapes that decode to text no store can keep: `\u0000`, and a surrogate half (`\ud800`-`\udfff`). */
const UNSTORABLE_ESCAPE = /\\u(?:0000|[dD][89abcdefABCDEF])/;

/**
 * Whether nothing JSON.parse makes of this text can need `wellFormed`: the text itself is well-formed and holds
 * neither NUL nor an escape of one or of a surrogate half. A surrogate pair's escapes (an emoji) also fail this
 * and go through the walk, which keeps them: the check may say no for text that is fine, never yes for text that
 * is not. A scan of the text is far cheaper than walking every string and key of the value.
 */
export const storableJson = (text: string): boolean => clean(text) && !UNSTORABLE_ESCAPE.test(text);

export interface WellFormed<T> {
  value: T;
  /** The paths (at most a few, e.g. `userId`, `properties.name`) where text was replaced; absent when none was. */
  replaced?: string[];
}

const shownPaths = 5;

/** `value` with every string and object key well-formed; copied only where something changed (nearly never). */
export function wellFormed<T>(value: T): WellFormed<T> {
  // Nearly every event is clean: a check that builds no paths settles it (the walk's paths were ~4% of `transform`).
  if (allClean(value)) return { value };
  const replaced: string[] = [];
  const out = walk(value, '', replaced) as T;
  return replaced.length === 0 ? { value } : { value: out, replaced };
}

/** Whether every string and key is clean; inherited keys are checked too, which only sends more to the walk. */
function allClean(value: unknown): boolean {
  if (typeof value === 'string') return clean(value);
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!allClean(value[i])) return false;
    return true;
  }
  const source = value as Record<string, unknown>;
  for (const key in source) if (!clean(key) || !allClean(source[key])) return false;
  return true;
}

function walk(value: unknown, path: string, replaced: string[]): unknown {
  if (typeof value === 'string') {
    if (clean(value)) return value;
    note(replaced, path);
    return fixed(value);
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item = walk(value[i], `${path}[${i}]`, replaced);
      if (item !== value[i]) (copy ??= value.slice())[i] = item;
    }
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  const source = value as Record<string, unknown>;
  for (const key in source) {
    if (!Object.prototype.hasOwnProperty.call(source, key)) continue;
    const at = path === '' ? key : `${path}.${key}`;
    const item = walk(source[key], at, replaced);
    const goodKey = clean(key);
    if (item === source[key] && goodKey) continue;
    if (copy === undefined) copy = { ...source };
    if (!goodKey) {
      note(replaced, at);
      delete copy[key];
    }
    // defineProperty: a `__proto__` key read from JSON is data, not the prototype.
    Object.defineProperty(copy, goodKey ? key : fixed(key), { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy ?? value;
}

function note(replaced: string[], path: string): void {
  if (replaced.length < shownPaths) replaced.push(path === '' ? '(value)' : fixed(path));
  else if (replaced.length === shownPaths) replaced.push('…');
}

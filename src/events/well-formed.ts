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

export interface WellFormed<T> {
  value: T;
  /** The paths (at most a few, e.g. `userId`, `properties.name`) where text was replaced; absent when none was. */
  replaced?: string[];
}

const shownPaths = 5;

/** `value` with every string and object key well-formed; copied only where something changed (nearly never). */
export function wellFormed<T>(value: T): WellFormed<T> {
  const replaced: string[] = [];
  const out = walk(value, '', replaced) as T;
  return replaced.length === 0 ? { value } : { value: out, replaced };
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

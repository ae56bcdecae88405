/** Dot paths (`context.page.url`) compiled once at load, read many times per event. */
export type CompiledPath = readonly string[];

export const compilePath = (path: string): CompiledPath => path.split('.');

export function readPath(root: unknown, path: CompiledPath): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** Sets `value` at `path`, creating plain objects on the way. */
export function writePath(target: Record<string, unknown>, path: CompiledPath, value: unknown): void {
  let node = target;
  for (let i = 0; i < path.length - 1; i++) {
    const segment = path[i] as string;
    const next = node[segment];
    if (next === null || typeof next !== 'object') node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** A string with something in it, trimmed; anything else (numbers included) is not text. */
export const nonBlankText = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined);

/** Non-blank text, or a finite number written as text (campaign values, OS versions). */
export const textOrNumber = (value: unknown): string | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : nonBlankText(value);

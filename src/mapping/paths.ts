/** Dot paths (`context.page.url`) compiled once at load, read many times per event. */
export type CompiledPath = readonly string[];

export const compilePath = (path: string): CompiledPath => path.split('.');

const child = (value: unknown, key: string): unknown => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined);

export function readPath(root: unknown, path: CompiledPath): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * `readPath` for one path, as a function: the paths of the mappings are one to three keys deep, and a function
 * per depth reads them without the loop (the mapping engine reads a few dozen per event).
 */
export function pathReader(path: CompiledPath): (root: unknown) => unknown {
  const [a, b, c] = path as [string, string?, string?];
  if (path.length === 1) return (root) => child(root, a);
  if (path.length === 2) return (root) => child(child(root, a), b as string);
  if (path.length === 3) return (root) => child(child(child(root, a), b as string), c as string);
  return (root) => readPath(root, path);
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

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

/**
 * How OpenPanel merges a group upsert's properties into the group it holds (README, "Groups as OpenPanel holds
 * them"): the stored properties are flat (dot paths, string values); an upsert's properties replace stored keys
 * of the same top-level name, then the whole is flattened again, nested objects (and strings holding a JSON
 * object or array) becoming `a.b` paths, numbers and booleans becoming strings, strings trimmed, and `null`,
 * `''` and strings that look like broken JSON dropped.
 *
 * A *patch* is one upsert's properties in the flat form that has the same effect on any stored group: each
 * top-level key the upsert replaces is `null` (stored key removed) unless the upsert leaves a value under that
 * exact name, plus every flattened path with its value. Patches compose by plain key overlay (older first,
 * newer wins), which is what lets a newer upsert carry the properties of the unsent ones it supersedes.
 */
export type GroupPatch = Record<string, string | null>;

const looksLikeJson = (value: string): boolean => (value.startsWith('{') && value.endsWith('}')) || (value.startsWith('[') && value.endsWith(']'));
const brokenJson = (value: string): boolean => (value.startsWith('{') && !value.endsWith('}')) || (value.startsWith('[') && !value.endsWith(']'));

/** Lone UTF-16 surrogates, which OpenPanel strips before storing a string. */
const loneSurrogates = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A leaf as OpenPanel stores it; a whitespace-only string keeps its raw form so that sent again it is stored alike. */
function storedLeaf(value: unknown): string {
  if (typeof value !== 'string') return String(value);
  const cleaned = value.replace(loneSurrogates, '').trim();
  return cleaned === '' ? value : cleaned;
}

/** The flat paths one value yields under `path`, as OpenPanel's flattening does (nothing for null, '', broken JSON). */
function flattenInto(out: GroupPatch, path: string, value: unknown): void {
  if (typeof value === 'object' && value !== null) {
    for (const [key, child] of Object.entries(value)) flattenInto(out, `${path}.${key}`, child);
    return;
  }
  if (value === undefined || value === null || value === '') return;
  if (typeof value === 'string' && brokenJson(value)) return;
  if (typeof value === 'string' && looksLikeJson(value)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return;
    }
    flattenInto(out, path, parsed);
    return;
  }
  out[path] = storedLeaf(value);
}

/** One upsert's properties as a patch (see above). */
export function groupPatch(properties: Record<string, unknown> | undefined): GroupPatch {
  const patch: GroupPatch = {};
  if (!properties) return patch;
  for (const [key, value] of Object.entries(properties)) {
    if (value === undefined) continue;
    patch[key] = null;
    flattenInto(patch, key, value);
  }
  return patch;
}

/** `older` then `newer` as one patch: applying it equals applying both in that order. */
export const mergePatches = (older: GroupPatch, newer: GroupPatch): GroupPatch => ({ ...older, ...newer });

/** Stored properties after a patch: its values replace, its nulls remove. */
export function applyPatch(stored: Readonly<Record<string, string>>, patch: GroupPatch): Record<string, string> {
  const next: Record<string, string> = { ...stored };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

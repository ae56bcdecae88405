import { hash } from 'node:crypto';

/** JSON with object keys sorted, so equal content gives equal text whatever the key order. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A short digest of a value's content, to tell whether two configurations are the same. */
export const fingerprint = (value: unknown): string => hash('sha1', stableJson(value), 'base64url');

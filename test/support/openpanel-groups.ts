import type { OpenPanelBody } from '../../src/openpanel/contract.js';

/**
 * OpenPanel's group merge, written from its group buffer (packages/db/src/buffers/group-buffer.ts, with
 * toDots in packages/common/src/object.ts) independently of src/openpanel/group-properties.ts, so tests can
 * fold what the fake received the way OpenPanel does: `properties = flatten({...held, ...incoming})`, name and
 * type taken as sent.
 */
export interface HeldGroup {
  name: string;
  type: string;
  properties: Record<string, string>;
}

/** OpenPanel's flattening: dot paths, JSON-looking strings expanded, null/''/broken JSON dropped, strings trimmed. */
function flatten(source: object, prefix: string, into: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(source)) {
    const path = prefix + key;
    if (value !== null && typeof value === 'object') {
      flatten(value as object, `${path}.`, into);
    } else if (typeof value === 'string') {
      const closer = value.startsWith('{') ? '}' : value.startsWith('[') ? ']' : undefined;
      if (closer === undefined) {
        if (value !== '') into[path] = value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '').trim();
      } else if (value.endsWith(closer)) {
        try {
          flatten(JSON.parse(value) as object, `${path}.`, into);
        } catch {
          // OpenPanel skips a value it cannot parse.
        }
      }
    } else if (value !== undefined && value !== null) {
      into[path] = String(value);
    }
  }
  return into;
}

/** The group after one upsert, as OpenPanel stores it. */
export function mergeGroup(held: HeldGroup | undefined, payload: { name: string; type: string; properties?: Record<string, unknown> }): HeldGroup {
  return { name: payload.name, type: payload.type, properties: flatten({ ...held?.properties, ...payload.properties }, '', {}) };
}

/** Every group as OpenPanel holds it after these requests, in this order. */
export function foldGroups(bodies: readonly OpenPanelBody[]): Map<string, HeldGroup> {
  const groups = new Map<string, HeldGroup>();
  for (const body of bodies) if (body.type === 'group') groups.set(body.payload.id, mergeGroup(groups.get(body.payload.id), body.payload));
  return groups;
}

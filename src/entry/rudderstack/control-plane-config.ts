import { isPlainObject } from '../../mapping/paths.js';
import { buildConfigJsonSchema, tagKeys } from '../../config/manifest.js';

const properties = buildConfigJsonSchema().properties;

/**
 * A RudderStack control plane stores the settings form as typed in: numbers as strings ("64"), a cleared
 * field as "", tags as [{ "eventName": "x" }]. This turns those back into the config schema's shapes, reading
 * the types from the same JSON schema the form was built from.
 */
export function fromControlPlane(config: unknown): Record<string, unknown> {
  if (!isPlainObject(config)) return {};
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const type = properties[key]?.type;
    if (value === '' && type !== 'string') continue;
    if ((type === 'integer' || type === 'number') && typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) {
      out[key] = Number(value);
    } else if (type === 'array' && Array.isArray(value)) {
      const tagKey = tagKeys[key as keyof typeof tagKeys];
      out[key] = value.map((tag) => (tagKey !== undefined && isPlainObject(tag) ? tag[tagKey] : tag)).filter((tag) => tag !== '');
    } else {
      out[key] = value;
    }
  }
  return out;
}

import { isPlainObject } from '../helpers/values.js';
import type { CdpEvent } from './schema.js';

/**
 * The hot path's check of an incoming event: the event exactly as `zCdpEvent` (schema.ts) parses it, built by
 * plain code, or undefined whenever anything is off, so that zod looks at it and names the problem. zod stays the
 * definition and the source of every message; this only spares it for the events that pass (nearly all), where it
 * cost more than the mapping (README, Performance). A unit test holds both to the same output on real events.
 */
type Raw = Record<string, unknown>;
type Out = Record<string, unknown>;

// Each `copy*` returns false when the key's value breaks its rule; the key is copied only when the input has it,
// as zod copies it (an optional key present with `undefined` stays present).
const copyId = (raw: Raw, out: Out, key: string, required: boolean): boolean => {
  if (!(key in raw)) return !required;
  const value = raw[key];
  if (value === undefined) {
    out[key] = undefined;
    return !required;
  }
  const id = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (id === '') return false;
  out[key] = id;
  return true;
};

/** userId/anonymousId: null and blank strings mean none. */
const copyOptionalId = (raw: Raw, out: Out, key: string): boolean => {
  if (!(key in raw)) return true;
  const value = raw[key];
  if (value === null || value === undefined || (typeof value === 'string' && value.trim() === '')) {
    out[key] = undefined;
    return true;
  }
  return copyId(raw, out, key, true);
};

const copyIf = (raw: Raw, out: Out, key: string, rule: (value: unknown) => boolean): boolean => {
  if (!(key in raw)) return true;
  const value = raw[key];
  if (value !== undefined && !rule(value)) return false;
  out[key] = value;
  return true;
};

const isString = (value: unknown): boolean => typeof value === 'string';

const stringKeys = ['timestamp', 'originalTimestamp', 'sentAt', 'receivedAt'] as const;

/** The keys every type shares, in zod's output order. */
function copyCommon(raw: Raw, out: Out): boolean {
  if (!copyId(raw, out, 'messageId', false) || !copyOptionalId(raw, out, 'userId') || !copyOptionalId(raw, out, 'anonymousId')) return false;
  for (const key of stringKeys) if (!copyIf(raw, out, key, isString)) return false;
  return (
    copyIf(raw, out, 'context', isPlainObject) &&
    copyIf(raw, out, 'integrations', isPlainObject) &&
    copyIf(raw, out, 'channel', isString) &&
    copyIf(raw, out, 'request_ip', isString)
  );
}

function copyTyped(raw: Raw, out: Out, type: unknown): boolean {
  out['type'] = type;
  switch (type) {
    case 'track': {
      const name = raw['event'];
      if (typeof name !== 'string' || name.trim() === '') return false;
      out['event'] = name;
      return copyIf(raw, out, 'properties', isPlainObject);
    }
    case 'page':
      return copyIf(raw, out, 'name', isString) && copyIf(raw, out, 'category', isString) && copyIf(raw, out, 'properties', isPlainObject);
    case 'screen':
      return copyIf(raw, out, 'name', isString) && copyIf(raw, out, 'event', isString) && copyIf(raw, out, 'properties', isPlainObject);
    case 'identify':
      return copyIf(raw, out, 'traits', isPlainObject);
    case 'group':
      return copyId(raw, out, 'groupId', true) && copyIf(raw, out, 'traits', isPlainObject);
    case 'alias':
      return copyId(raw, out, 'previousId', true);
    default:
      return false;
  }
}

/** `input` is what spec/lenient.ts read; the result is a new object with only the schema's keys, as zod returns. */
export function fastParseEvent(input: Raw): CdpEvent | undefined {
  const out: Out = {};
  if (!copyCommon(input, out) || !copyTyped(input, out, input['type'])) return undefined;
  if (out['type'] === 'alias' ? out['userId'] === undefined : out['userId'] === undefined && out['anonymousId'] === undefined) return undefined;
  return out as CdpEvent;
}

import { z } from 'zod';
import { isPlainObject } from '../mapping/paths.js';
import { sourceTypes } from './destination.js';
import { tagKeys } from './form.js';
import { configSchema } from './schema.js';

/**
 * The one place raw config turns into what configSchema parses: a CLI/server config file, a library caller's
 * object, or the settings a RudderStack control plane stores (its form saves what was typed: numbers as strings,
 * a cleared field as "", tags as [{ "eventName": "x" }], consent rules per source type). Keys renamed since a
 * file may have been written are carried over with a warning.
 */
export interface NormalizedConfig {
  input: Record<string, unknown>;
  /** One line per key read under an old name; never contains a value. */
  warnings: string[];
}

const fields = configSchema.shape as Record<string, z.ZodType>;
const jsonTypes = Object.fromEntries(
  Object.entries(z.toJSONSchema(configSchema, { io: 'input' }).properties ?? {}).map(([key, property]) => [key, (property as { type?: string }).type]),
);
/** Keys where "" is a value of its own (e.g. revenueEventName: none), not a cleared field. */
const emptyIsValue = new Set(Object.keys(fields).filter((key) => fields[key]?.safeParse('').success));
const NUMBER = /^\s*-?\d+(\.\d+)?\s*$/;

export function normalizeConfigInput(raw: Record<string, unknown>): NormalizedConfig {
  const warnings: string[] = [];
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(renameOldKeys(raw, warnings))) {
    if (value === '' && !emptyIsValue.has(key)) continue;
    input[key] = normalizeValue(key, value);
  }
  return { input, warnings };
}

function normalizeValue(key: string, value: unknown): unknown {
  const type = jsonTypes[key];
  if ((type === 'integer' || type === 'number') && typeof value === 'string' && NUMBER.test(value)) return Number(value);
  if (type === 'array' && Array.isArray(value)) {
    const tagKey = tagKeys[key];
    return value.map((tag) => (tagKey !== undefined && isPlainObject(tag) ? tag[tagKey] : tag)).filter((tag) => tag !== '');
  }
  // A consent form saved before it was per source type is one list of rules: it applies to every source type.
  if (key === 'consentManagement' && Array.isArray(value)) return Object.fromEntries(sourceTypes.map((type) => [type, value]));
  return value;
}

/** Old key -> its new name, which is also the eventFilteringOption that makes the list take effect. */
const renamedLists = {
  eventAllowlist: 'whitelistedEvents',
  eventDenylist: 'blacklistedEvents',
} as const;

/**
 * eventAllowlist/eventDenylist (both could apply at once) became RudderStack's whitelistedEvents/blacklistedEvents
 * under one eventFilteringOption. An old file keeps its meaning: the allowlist minus the denylist, else the denylist.
 * A config that already uses the new keys wins; the old ones are then ignored.
 */
function renameOldKeys(raw: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  const { eventAllowlist, eventDenylist, ...rest } = raw;
  const old: Record<keyof typeof renamedLists, unknown> = { eventAllowlist, eventDenylist };
  const usesNewKeys = rest.eventFilteringOption !== undefined || rest.whitelistedEvents !== undefined || rest.blacklistedEvents !== undefined;
  for (const [key, newKey] of Object.entries(renamedLists)) {
    if (old[key as keyof typeof old] === undefined) continue;
    warnings.push(
      usesNewKeys
        ? `${key} is renamed to ${newKey}: ignored, because the config already sets eventFilteringOption or the new lists`
        : `${key} is renamed to ${newKey} (with eventFilteringOption "${newKey}"): please rename it in the config`,
    );
  }
  if (usesNewKeys) return rest;
  const denied = Array.isArray(eventDenylist) ? eventDenylist : [];
  if (Array.isArray(eventAllowlist) && eventAllowlist.length > 0) {
    return { ...rest, eventFilteringOption: 'whitelistedEvents', whitelistedEvents: eventAllowlist.filter((name) => !denied.includes(name)) };
  }
  if (denied.length > 0) return { ...rest, eventFilteringOption: 'blacklistedEvents', blacklistedEvents: denied };
  // Empty lists mean no filtering; a non-list is left under the new key for the schema to report.
  const wrong = Object.entries(renamedLists).filter(([key]) => old[key as keyof typeof old] !== undefined && !Array.isArray(old[key as keyof typeof old]));
  return { ...rest, ...Object.fromEntries(wrong.map(([key, newKey]) => [newKey, old[key as keyof typeof old]])) };
}

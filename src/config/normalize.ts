import { z } from 'zod';
import { isPlainObject } from '../helpers/values.js';
import { sourceTypes } from './destination.js';
import { tagKeys } from './form.js';
import { configJsonSchema, configSchema } from './schema.js';

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
const jsonTypes = Object.fromEntries(Object.entries(configJsonSchema.properties).map(([key, property]) => [key, property.type]));
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
const renamedLists: Readonly<Record<string, 'whitelistedEvents' | 'blacklistedEvents'>> = {
  eventAllowlist: 'whitelistedEvents',
  eventDenylist: 'blacklistedEvents',
};

/**
 * eventAllowlist/eventDenylist (both could apply at once) became RudderStack's whitelistedEvents/blacklistedEvents
 * under one eventFilteringOption. An old file keeps its meaning: the allowlist minus the denylist, else the denylist.
 * A config that already uses the new keys wins; the old ones are then ignored.
 */
function renameOldKeys(raw: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  const { eventAllowlist, eventDenylist, ...rest } = raw;
  const old: Record<string, unknown> = { eventAllowlist, eventDenylist };
  const present = Object.keys(renamedLists).filter((key) => old[key] !== undefined);
  if (present.length === 0) return raw;
  const usesNewKeys = rest.eventFilteringOption !== undefined || rest.whitelistedEvents !== undefined || rest.blacklistedEvents !== undefined;
  const renamed = usesNewKeys ? rest : { ...rest, ...filteringFromOldLists(eventAllowlist, eventDenylist) };
  for (const key of present) {
    const reading = usesNewKeys
      ? 'ignored, because the config already sets eventFilteringOption or the new lists'
      : `read as eventFilteringOption "${String(renamed.eventFilteringOption ?? 'disable')}"`;
    warnings.push(`${key} is renamed to ${renamedLists[key]}: ${reading}; please rename it in the config`);
  }
  return renamed;
}

function filteringFromOldLists(allow: unknown, deny: unknown): Record<string, unknown> {
  const denied = Array.isArray(deny) ? deny : [];
  if (Array.isArray(allow) && allow.length > 0)
    return { eventFilteringOption: 'whitelistedEvents', whitelistedEvents: allow.filter((name) => !denied.includes(name)) };
  if (denied.length > 0) return { eventFilteringOption: 'blacklistedEvents', blacklistedEvents: denied };
  // Empty lists mean no filtering; a non-list is left under the new name for the schema to report.
  const notLists = Object.entries({ whitelistedEvents: allow, blacklistedEvents: deny }).filter(([, list]) => list !== undefined && !Array.isArray(list));
  return Object.fromEntries(notLists);
}

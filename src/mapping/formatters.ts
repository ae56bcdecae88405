import { z } from 'zod';

/**
 * The small named transforms a mapping field may apply. A formatter returns undefined when the value does not
 * fit, so the engine falls through to the field's next source key (e.g. an invalid email is left out of the
 * top level and stays in properties, where OpenPanel accepts anything).
 */
const zEmail = z.email();
const zHttpUrl = z.url({ protocol: /^https?$/ });
const MAX_DEVICE_ID_LENGTH = 64; // OpenPanel ignores a longer __deviceId
/** Already what toISOString would print (the common case): no Date round trip. */
const canonicalIso = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const nonEmptyString = (value: unknown): string | undefined => {
  const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
};

const words = (value: unknown): string[] => nonEmptyString(value)?.trim().split(/\s+/) ?? [];

export const formatters = {
  /** Strings, numbers and booleans as a non-empty string. */
  string: nonEmptyString,
  /** Any valid date as ISO-8601 UTC, the form OpenPanel's __timestamp takes. */
  isoTime: (value: unknown) => {
    if (typeof value === 'string' && canonicalIso.test(value)) return value;
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    const time = new Date(value);
    return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
  },
  email: (value: unknown) => (zEmail.safeParse(value).success ? (value as string) : undefined),
  url: (value: unknown) => (zHttpUrl.safeParse(value).success ? (value as string) : undefined),
  /** First word of a full name ("Jane Q. Doe" -> "Jane"). */
  firstName: (value: unknown) => words(value)[0],
  /** Everything after the first word of a full name, when there is more than one word. */
  lastName: (value: unknown) => {
    const parts = words(value);
    return parts.length > 1 ? parts.slice(1).join(' ') : undefined;
  },
  deviceId: (value: unknown) => {
    const id = nonEmptyString(value)?.trim();
    return id !== undefined && id.length <= MAX_DEVICE_ID_LENGTH ? id : undefined;
  },
  /** Any JSON value but null, unchanged. */
  value: (value: unknown) => (value === null ? undefined : value),
} satisfies Record<string, (value: unknown) => unknown>;

export type FormatterName = keyof typeof formatters;
export const formatterNames = Object.keys(formatters) as [FormatterName, ...FormatterName[]];

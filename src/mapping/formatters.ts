import { isIP } from 'node:net';
import { z } from 'zod';
import { parseEventTime } from '../events/time.js';
import { nonBlankText } from '../helpers/values.js';
import { headerValue, isServerLikeUserAgent, webViewUserAgent } from './user-agent.js';

/**
 * The small named transforms a mapping field may apply. A formatter returns undefined when the value does not
 * fit, so the engine falls through to the field's next source key (e.g. an invalid email is left out of the
 * top level and stays in properties, where OpenPanel accepts anything).
 */
const zEmail = z.email();
const MAX_DEVICE_ID_LENGTH = 64; // OpenPanel ignores a longer __deviceId

const nonEmptyString = (value: unknown): string | undefined => {
  const text = typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
  return typeof text === 'string' && text.trim() !== '' ? text : undefined;
};

/** Only a string: a number or boolean under a name key is not a name. */
const text = nonBlankText;

const words = (value: unknown): string[] => text(value)?.split(/\s+/) ?? [];

export const formatters = {
  /** Strings, numbers and booleans as a non-empty string. */
  string: nonEmptyString,
  /** A non-empty string, trimmed; other types are not taken (a name key holding a number is not a name). */
  text,
  /** A time in any form events/time.ts reads, as ISO-8601 UTC: the form OpenPanel's __timestamp takes. */
  isoTime: parseEventTime,
  /** A valid email, trimmed (senders leave stray spaces). */
  email: (value: unknown) => {
    const email = text(value);
    return email !== undefined && zEmail.safeParse(email).success ? email : undefined;
  },
  /** An http(s) URL. */
  url: (value: unknown) => (typeof value === 'string' && /^https?:\/\/[^/?#\s]/i.test(value) && URL.canParse(value) ? value : undefined),
  /** A string that can be sent as a header value, trimmed; otherwise the header is left out. */
  headerValue,
  /**
   * A syntactically valid IP, trimmed, an IPv4-mapped IPv6 as plain IPv4 (OpenPanel's IP check refuses the mapped
   * form): OpenPanel skips anything else in `openpanel-client-ip` (README, "Client IP"), so it is not sent.
   */
  ipAddress: (value: unknown) => {
    const ip = typeof value === 'string' ? value.trim() : undefined;
    if (ip === undefined) return undefined;
    const unmapped = /^::ffff:/i.test(ip) && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
    return isIP(unmapped) !== 0 && !unmapped.includes('%') ? unmapped : undefined;
  },
  /** A header-safe user-agent that OpenPanel would not take for a server's (a bare `name/version`). */
  deviceUserAgent: (value: unknown) => {
    const ua = headerValue(value);
    return ua !== undefined && !isServerLikeUserAgent(ua) ? ua : undefined;
  },
  /** From the event's `context`: the WebView user-agent of its mobile device (mapping/user-agent.ts). */
  webViewUserAgent,
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

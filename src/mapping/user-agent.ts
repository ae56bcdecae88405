import { isPlainObject, nonBlankText, textOrNumber } from '../helpers/values.js';

/** What HTTP clients (undici, node:http) accept in a header value: no control characters, nothing past Latin-1. */
const headerValueChars = /^[\t\x20-\x7e\x80-\xff]+$/;

/** `value` trimmed when it can be sent as a header value, else undefined (the header is left out, the request still goes). */
export function headerValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed !== '' && headerValueChars.test(trimmed) ? trimmed : undefined;
}

/**
 * A user-agent OpenPanel's parser-user-agent.ts takes for a server's: a bare `name/version` (an HTTP library's
 * default), or a single token (`unknown`, `chrome`), in which its ua-parser finds no OS, browser or device.
 */
export const isServerLikeUserAgent = (ua: string): boolean => /^[^/]+\/[\d.]+$/.test(ua) || !/\s/.test(ua);

/** A model or version as one UA token: the characters that delimit UA tokens removed. */
const token = (value: string | undefined) =>
  value
    ?.replace(/[;()\\/\r\n\t]|[^\x20-\x7e]/g, '')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 64) || undefined;

type Platform = 'iOS' | 'iPadOS' | 'Android' | 'macOS';
const platformOfOs: Record<string, Platform> = {
  ios: 'iOS',
  'iphone os': 'iOS',
  ipados: 'iPadOS',
  'ipad os': 'iPadOS',
  android: 'Android',
  macos: 'macOS',
  'mac os x': 'macOS',
  'mac os': 'macOS',
  osx: 'macOS',
};
const platformOfDeviceType: Record<string, Platform> = { ios: 'iOS', android: 'Android' };

/**
 * The user-agent of the device's WebView, as OpenPanel's React Native SDK sends it
 * (`Constants.getWebViewUserAgentAsync()`), built from a mobile event's `context.os` and `context.device`:
 * OpenPanel's parser then sees the OS, its version and the device (and opens sessions), where no user-agent
 * would make the event a server event. Undefined when the context names no platform a WebView UA exists for.
 * The WebView's browser version is unknown, so Android's reads `Chrome/0`; the model comes through `__model`.
 */
export function webViewUserAgent(context: unknown): string | undefined {
  if (!isPlainObject(context)) return undefined;
  const os = isPlainObject(context.os) ? context.os : {};
  const device = isPlainObject(context.device) ? context.device : {};
  const platform = platformOfOs[nonBlankText(os.name)?.toLowerCase() ?? ''] ?? platformOfDeviceType[nonBlankText(device.type)?.toLowerCase() ?? ''];
  if (platform === undefined) return undefined;
  const version = token(textOrNumber(os.version));
  const model = token(nonBlankText(device.model));
  const underscored = version?.replace(/\./g, '_');
  switch (platform) {
    case 'Android':
      return `Mozilla/5.0 (Linux; Android${version ? ` ${version}` : ''}${model ? `; ${model}; wv` : ''}) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/0 Mobile Safari/537.36`;
    case 'macOS':
      return `Mozilla/5.0 (Macintosh; Intel Mac OS X${underscored ? ` ${underscored}` : ''}) AppleWebKit/605.1.15 (KHTML, like Gecko)`;
    default: {
      const iPad = platform === 'iPadOS' || /^ipad/i.test(model ?? '');
      // Without a version the "CPU OS … like Mac OS X" part would be misread (version "like"): left out, __os says the OS.
      const cpu = underscored ? `; CPU ${iPad ? '' : 'iPhone '}OS ${underscored} like Mac OS X` : '';
      return `Mozilla/5.0 (${iPad ? 'iPad' : 'iPhone'}${cpu}) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148`;
    }
  }
}

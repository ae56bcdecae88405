import { isPlainObject, textOrNumber } from '../helpers/values.js';

/** Segment's context.campaign keys and the query parameters OpenPanel reads UTM from. */
const utmOf = [
  ['source', 'utm_source'],
  ['medium', 'utm_medium'],
  ['name', 'utm_campaign'],
  ['term', 'utm_term'],
  ['content', 'utm_content'],
] as const;

/**
 * `path` with the event's context.campaign added as utm_* query parameters the URL does not already have:
 * OpenPanel takes UTM and referrer type only from __path's query. Only for a URL or an absolute path (OpenPanel
 * reads no query from a named route such as a screen name); otherwise, or with nothing to add, `path` unchanged.
 */
export function withCampaign(path: string, campaign: unknown): string {
  if (!isPlainObject(campaign) || !(path.startsWith('/') || /^https?:\/\//i.test(path))) return path;
  const hashAt = path.indexOf('#');
  const beforeHash = hashAt === -1 ? path : path.slice(0, hashAt);
  const queryAt = beforeHash.indexOf('?');
  const query = new URLSearchParams(queryAt === -1 ? '' : beforeHash.slice(queryAt + 1));
  const added: string[] = [];
  for (const [key, param] of utmOf) {
    const value = textOrNumber(campaign[key]);
    if (value !== undefined && !query.has(param)) added.push(`${param}=${encodeURIComponent(value)}`);
  }
  if (added.length === 0) return path;
  const separator = queryAt === -1 ? '?' : beforeHash.endsWith('?') || beforeHash.endsWith('&') ? '' : '&';
  return `${beforeHash}${separator}${added.join('&')}${hashAt === -1 ? '' : path.slice(hashAt)}`;
}

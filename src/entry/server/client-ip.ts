import type { FastifyRequest } from 'fastify';
import { isIP } from 'node:net';
import { isPlainObject } from '../../helpers/values.js';

/**
 * The sender's IP as `context.ip` for events that carry none (analytics.js does not send it), as Segment's and
 * RudderStack's tracking APIs do, so OpenPanel locates browser events at the visitor rather than at this server.
 * `request.ip` is the socket's address, or X-Forwarded-For's client when `trustProxy` names the proxy (README,
 * serve). Events with `request_ip` (RudderStack's own record of the client) are left as they are.
 */
export function fillClientIp(events: readonly unknown[], request: FastifyRequest): void {
  const ip = clientIp(request.ip);
  if (ip === undefined) return;
  for (const event of events) {
    if (!isPlainObject(event) || event.request_ip !== undefined) continue;
    if (event.context === undefined) event.context = { ip };
    // A context that is not an object is left for validation to reject.
    else if (isPlainObject(event.context) && (event.context.ip === undefined || event.context.ip === '')) event.context.ip = ip;
  }
}

/** A valid IP (a trusted proxy may forward anything in X-Forwarded-For), IPv4 without its IPv6-mapped prefix. */
function clientIp(address: string | undefined): string | undefined {
  const ip = address?.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return ip !== undefined && isIP(ip) !== 0 ? ip : undefined;
}

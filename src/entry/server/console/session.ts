import type { FastifyReply, FastifyRequest } from 'fastify';
import { createHmac } from 'node:crypto';
import { bearerToken, safeEqual } from '../auth.js';
import { httpError } from '../http-error.js';

/**
 * Console sign-in (README, "Console"). The session cookie holds its expiry and an HMAC of it keyed with the admin
 * token: any instance sharing the token accepts it, nothing is stored, and changing the token ends every session.
 * A POST signed in by cookie must carry the CSRF token (an HMAC of the session, read by the page from
 * `/console/api/session`) in `x-csrf-token`, and any Origin it sends must be this host: SameSite=Strict already
 * keeps the cookie off cross-site requests, this holds for browsers that ignore it. A bearer header is never
 * sent by a browser on its own, so requests with it need neither.
 */

export const sessionCookie = 'opd_console';
export const csrfHeader = 'x-csrf-token';
const SESSION_MS = 12 * 60 * 60 * 1000;

const mac = (adminToken: string, purpose: string): string => createHmac('sha256', adminToken).update(purpose).digest('base64url');

/** A new session's cookie value: expiry (ms) and its MAC. */
export function newSession(adminToken: string, now = Date.now()): string {
  const expiresAt = now + SESSION_MS;
  return `${expiresAt}.${mac(adminToken, `console-session:${expiresAt}`)}`;
}

export function validSession(value: string, adminToken: string, now = Date.now()): boolean {
  const match = /^(\d{1,15})\.([\w-]{43})$/.exec(value);
  if (!match) return false;
  return Number(match[1]) > now && safeEqual(match[2]!, mac(adminToken, `console-session:${match[1]}`));
}

export const csrfToken = (adminToken: string, session: string): string => mac(adminToken, `console-csrf:${session}`);

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** How a request is signed in: the bearer header, a valid session cookie (its value), or not at all. */
export function access(request: FastifyRequest, adminToken: string): { by: 'bearer' } | { by: 'cookie'; session: string } | undefined {
  const token = bearerToken(request.headers.authorization);
  if (token !== undefined) return safeEqual(token, adminToken) ? { by: 'bearer' } : undefined;
  const session = cookieValue(request.headers.cookie, sessionCookie);
  return session !== undefined && validSession(session, adminToken) ? { by: 'cookie', session } : undefined;
}

/** An Origin header, when sent, names this host (the scheme is the proxy's business). */
export function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.headers.host;
  } catch {
    return false;
  }
}

/** preHandler for the console's API: signed in, and a cookie-signed POST with its CSRF token from this origin. */
export function requireAccess(adminToken: string) {
  return async (request: FastifyRequest): Promise<void> => {
    const signedIn = access(request, adminToken);
    if (signedIn === undefined) throw httpError(401, 'sign in at /console/login, or send Authorization: Bearer <adminToken>');
    if (signedIn.by === 'bearer' || request.method === 'GET' || request.method === 'HEAD') return;
    const given = request.headers[csrfHeader];
    if (!sameOrigin(request) || typeof given !== 'string' || !safeEqual(given, csrfToken(adminToken, signedIn.session))) {
      throw httpError(403, `a console POST signed in by cookie needs the ${csrfHeader} header from /console/api/session, from the console's own origin`);
    }
  };
}

/** The session cookie: HttpOnly, SameSite=Strict, for the console's paths only; Secure when the request came over https. */
export function setSessionCookie(request: FastifyRequest, reply: FastifyReply, value: string, maxAgeSeconds = SESSION_MS / 1000): void {
  const https = request.protocol === 'https' || request.headers['x-forwarded-proto'] === 'https';
  reply.header('set-cookie', `${sessionCookie}=${value}; Path=/console; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Strict${https ? '; Secure' : ''}`);
}

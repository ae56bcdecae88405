import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Credential checks. Every comparison is constant-time over fixed-length digests, so neither the content nor
 * the length of a secret leaks through response timing.
 */

const digest = (value: string | Buffer): Buffer => createHash('sha256').update(value).digest();

export function safeEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** The user of an `Authorization: Basic` header (Segment SDKs send `base64(writeKey + ':')`). */
export function basicUser(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon === -1 ? decoded : decoded.slice(0, colon);
}

export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** Segment's webhook signature: hex HMAC-SHA1 of the raw body, keyed with the shared secret. */
export function webhookSignature(rawBody: Buffer, secret: string): string {
  return createHmac('sha1', secret).update(rawBody).digest('hex');
}

export function validSignature(rawBody: Buffer, signature: string, secret: string): boolean {
  return safeEqual(signature.trim().toLowerCase(), webhookSignature(rawBody, secret));
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { httpError } from './http-error.js';
import { maxJsonDepth } from './limits.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body as received (after content decoding): what a webhook signature is computed over. */
    rawBody?: Buffer;
  }
}

/**
 * Every body is read as JSON whatever its content type (curl and some webhook senders label JSON as
 * form data or text), gzip/deflate decoded (the RudderStack Node SDK gzips), within each route's bodyLimit
 * counted after decoding, so a small compressed bomb is refused like a large body. Prototype keys
 * (`__proto__`, `constructor.prototype`) and absurd nesting are refused with a 400.
 */
export function registerJsonBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addHook('preParsing', async (request, _reply, payload) => decoded(request, payload));
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    // An unknown route answers 404 whatever its body.
    if (request.is404) return done(null, undefined);
    const raw = body as Buffer;
    request.rawBody = raw;
    // No body (an empty POST labelled JSON): the route says what it needed.
    if (raw.length === 0) return done(null, undefined);
    let json: unknown;
    try {
      json = JSON.parse(raw.toString('utf8'));
    } catch (error) {
      return done(httpError(400, `the body is not valid JSON: ${(error as Error).message}`), undefined);
    }
    const problem = jsonProblem(json);
    done(problem === undefined ? null : httpError(400, problem), problem === undefined ? json : undefined);
  });
}

/**
 * Why parsed JSON is refused: nesting deeper than any real event (recursive walks downstream would overflow the
 * stack), or keys that would reach a prototype when copied with Object.assign. One iterative walk, so hostile
 * input cannot overflow it either.
 */
export function jsonProblem(value: unknown): string | undefined {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (depth > maxJsonDepth) return `the body nests deeper than ${maxJsonDepth} levels`;
    for (const key in node as object) {
      const child = (node as Record<string, unknown>)[key];
      if (key === '__proto__' || (key === 'constructor' && typeof child === 'object' && child !== null && 'prototype' in child)) {
        return `the body has a forbidden key (${key}): it could alter object prototypes`;
      }
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return undefined;
}

/** The body stream Fastify reads, decoded; `receivedEncodedLength` lets Fastify check Content-Length against the wire bytes. */
function decoded(request: FastifyRequest, payload: Readable): Readable {
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  if (encoding === 'identity' || encoding === '') return payload;
  if (encoding !== 'gzip' && encoding !== 'deflate') throw httpError(415, `content-encoding ${encoding} is not supported: send identity, gzip or deflate`);
  const inflate = Object.assign(encoding === 'gzip' ? createGunzip() : createInflate(), { receivedEncodedLength: 0 });
  payload.on('data', (chunk: Buffer) => (inflate.receivedEncodedLength += chunk.length));
  payload.on('error', (error) => inflate.destroy(error));
  inflate.on('error', (error: Error & { statusCode?: number }) => (error.statusCode ??= 400));
  return payload.pipe(inflate);
}

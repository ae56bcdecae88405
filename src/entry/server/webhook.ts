import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptEvents, type AcceptedBody } from './accept-events.js';
import { bearerToken, safeEqual, validSignature } from './auth.js';
import { eventsOfBody } from './events-of-body.js';
import { httpError } from './http-error.js';
import type { Intake } from './intake.js';
import { webhookBytes } from './limits.js';
import type { Metrics } from './metrics.js';

export interface WebhookOptions {
  intake: Intake;
  metrics: Metrics;
  secret?: string;
  open: boolean;
}

/**
 * `POST /webhook`: what Segment's Webhooks (Actions) and RudderStack's Webhook destination send — one event,
 * an array, or `{batch: [...]}`. Authenticated by Segment's X-Signature (hex HMAC-SHA1 of the raw body with the
 * shared secret) or `Authorization: Bearer <secret>` (RudderStack's webhook headers setting).
 */
export function registerWebhook(app: FastifyInstance, options: WebhookOptions): void {
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    if (options.open) return;
    const { secret } = options;
    if (secret === undefined) throw httpError(401, 'this server has no webhookSecret configured: /webhook is off');
    const signature = request.headers['x-signature'];
    if (typeof signature === 'string') {
      if (!validSignature(request.rawBody ?? Buffer.alloc(0), signature, secret))
        throw httpError(401, 'X-Signature does not match the body (expected hex HMAC-SHA1 of the raw body with the webhook secret)');
      return;
    }
    const token = bearerToken(request.headers.authorization);
    if (token === undefined) throw httpError(401, 'missing credentials: send X-Signature or Authorization: Bearer <webhook secret>');
    if (!safeEqual(token, secret)) throw httpError(401, 'wrong bearer token');
  };

  app.post('/webhook', { bodyLimit: webhookBytes, preHandler: authenticate }, async (request): Promise<AcceptedBody> => {
    const taken = eventsOfBody(request.body);
    if (taken === undefined) throw httpError(400, 'the body must be an event object, an array of events or {"batch": [events]}');
    return acceptEvents(options.intake, options.metrics, request.log, { source: 'webhook', ...taken });
  });
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DestinationConfig } from '../../../config/schema.js';
import type { Destination } from '../../library/destination.js';
import { safeEqual } from '../auth.js';
import { eventsOfBody } from '../events-of-body.js';
import { httpError } from '../http-error.js';
import { webhookBytes } from '../limits.js';
import type { Activity } from './activity.js';
import { loadAssets } from './assets.js';
import { redact, secretsOf } from './redact.js';
import { access, csrfToken, newSession, requireAccess, sameOrigin, setSessionCookie } from './session.js';

/** What the console reads and does through the destination. */
export type ConsoleDestination = Pick<Destination, 'stats' | 'deadLetters' | 'replay' | 'replayDeadLetter' | 'transform' | 'groupsOf' | 'groupOf'>;

export interface ConsoleOptions {
  destination: ConsoleDestination;
  activity: Activity;
  /** Names this process in per-instance figures (rates, latency, live events). */
  instanceId: string;
}

const assetHeaders = {
  'cache-control': 'no-cache',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
};

const zPage = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  after: z.string().min(1).optional(),
});
const zSince = z.object({ since: z.coerce.number().int().min(0).default(0) });
const zReplayOne = z.object({ event: z.unknown().optional() }).optional();

/**
 * The console (README, "Console"): pages under `/console` and their JSON API under `/console/api`, served only
 * when an adminToken is set. Pages redirect to the login form until signed in; the API answers 401.
 * Shared figures (queue, dead letters, membership) come from the store, so every instance shows the same;
 * per-instance ones (rates, latency, live events) carry `instance`.
 */
export function registerConsole(app: FastifyInstance, config: DestinationConfig & { adminToken: string }, options: ConsoleOptions): void {
  const { adminToken } = config;
  const { destination, activity, instanceId } = options;
  const assets = loadAssets();
  const secrets = secretsOf(config);
  const shown = <T>(value: T): T => redact(value, secrets);
  const signedIn = requireAccess(adminToken);

  const sendAsset = (reply: FastifyReply, name: string): FastifyReply => {
    const asset = assets.get(name);
    if (asset === undefined) throw httpError(404, `no console asset ${name}`);
    // Revalidated, so an upgraded package is picked up at once. Only the package's own scripts run, in no frame.
    return reply.type(asset.type).headers(assetHeaders).send(asset.body);
  };

  app.get('/', async (_request, reply) => reply.redirect('/console', 302));

  app.get('/console', async (request, reply) => (access(request, adminToken) ? sendAsset(reply, 'console.html') : reply.redirect('/console/login', 303)));
  app.get('/console/login', async (_request, reply) => sendAsset(reply, 'login.html'));
  app.get<{ Params: { name: string } }>('/console/assets/:name', async (request, reply) => sendAsset(reply, request.params.name));

  void app.register(async (scope) => {
    // The login form posts form-encoded (it works without script); only here, everything else reads JSON.
    scope.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 4096 }, (_request, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    scope.post('/console/login', async (request: FastifyRequest, reply) => {
      if (!sameOrigin(request)) throw httpError(403, "sign in from the console's own login page");
      const token = (request.body as { token?: unknown } | undefined)?.token;
      if (typeof token !== 'string' || !safeEqual(token, adminToken)) {
        request.log.warn({ ip: request.ip }, 'console sign-in refused: wrong admin token');
        return reply.redirect('/console/login?failed=1', 303);
      }
      setSessionCookie(request, reply, newSession(adminToken));
      return reply.redirect('/console', 303);
    });
  });

  app.post('/console/logout', { preHandler: signedIn }, async (request, reply) => {
    setSessionCookie(request, reply, '', 0);
    return { signedOut: true };
  });

  app.get('/console/api/session', { preHandler: signedIn }, async (request) => {
    const how = access(request, adminToken)!;
    return { instance: instanceId, ...(how.by === 'cookie' ? { csrfToken: csrfToken(adminToken, how.session) } : {}) };
  });

  // Health is not repeated here: the page reads GET /health itself, so the two never disagree.
  app.get('/console/api/overview', { preHandler: signedIn }, async () => {
    const stats = await destination.stats();
    return {
      instance: instanceId,
      queue: {
        queuedEvents: stats.queuedEvents,
        queuedRequests: stats.queuedRequests,
        oldestQueuedAgeMs: stats.oldestQueuedAt === undefined ? null : Math.max(0, Date.now() - stats.oldestQueuedAt),
        deadLetters: stats.deadLetters,
      },
      rates: activity.rates(),
      latency: activity.latency(),
    };
  });

  app.get('/console/api/live', { preHandler: signedIn }, async (request) => {
    const query = zSince.safeParse(request.query);
    if (!query.success) throw httpError(400, 'query: since must be a whole number (the seq of the last answer)');
    return { instance: instanceId, ...shown(activity.liveSince(query.data.since)) };
  });

  app.get('/console/api/dead-letters', { preHandler: signedIn }, async (request) => {
    const page = zPage.safeParse(request.query);
    if (!page.success) throw httpError(400, 'query: limit must be a whole number from 1 to 200; after a dead-letter id');
    const { limit, after } = page.data;
    const [deadLetters, total] = await Promise.all([
      destination.deadLetters.list({ limit, ...(after === undefined ? {} : { afterId: after }) }),
      destination.deadLetters.count(),
    ]);
    const last = deadLetters.at(-1);
    return { total, deadLetters: shown(deadLetters), ...(deadLetters.length === limit && last ? { next: last.id } : {}) };
  });

  app.get<{ Params: { id: string } }>('/console/api/dead-letters/:id', { preHandler: signedIn }, async (request) => {
    const record = await destination.deadLetters.get(request.params.id);
    if (record === undefined) throw httpError(404, `no dead letter ${request.params.id} (replayed already?)`);
    return shown(record);
  });

  app.post('/console/api/dead-letters/replay', { preHandler: signedIn }, async () => destination.replay());

  app.post<{ Params: { id: string } }>('/console/api/dead-letters/:id/replay', { preHandler: signedIn, bodyLimit: webhookBytes }, async (request) => {
    const body = zReplayOne.safeParse(request.body);
    if (!body.success) throw httpError(400, 'the body is optional: {"event": <the fixed event>} to send a fixed copy');
    const outcome = await destination.replayDeadLetter(request.params.id, body.data?.event === undefined ? {} : { event: body.data.event });
    if (outcome === undefined) throw httpError(404, `no dead letter ${request.params.id} (replayed already?)`);
    if (outcome.status === 'rejected') throw httpError(400, `the fixed event is rejected, the dead letter is kept: ${shown(outcome.reason ?? '')}`);
    return shown(outcome);
  });

  app.get<{ Params: { key: string } }>('/console/api/users/:key', { preHandler: signedIn }, async (request) => {
    const assignments = await destination.groupsOf(request.params.key);
    const groups = await Promise.all(
      assignments.map(async ({ groupId, assignedAt }) => {
        const state = await destination.groupOf(groupId);
        return { groupId, assignedAt: new Date(assignedAt).toISOString(), ...(state ? { name: state.name, type: state.type } : {}) };
      }),
    );
    return shown({ key: request.params.key, groups });
  });

  app.get<{ Params: { id: string } }>('/console/api/groups/:id', { preHandler: signedIn }, async (request) => {
    const group = await destination.groupOf(request.params.id);
    if (group === undefined) throw httpError(404, `no group ${request.params.id}: no group call for it has been taken (users may still be assigned to it)`);
    return shown({ ...group, updatedAt: new Date(group.updatedAt).toISOString() });
  });

  app.post('/console/api/test', { preHandler: signedIn, bodyLimit: webhookBytes }, async (request) => {
    const taken = eventsOfBody(request.body);
    if (taken === undefined) throw httpError(400, 'paste an event object, an array of events or {"batch": [events]}');
    return { results: shown(await destination.transform(taken.events)) };
  });
}

import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { DestinationConfig } from '../../config/schema.js';
import { QueueFullError } from '../../delivery/outbox.js';
import { StoreUnavailableError } from '../../state/state-error.js';
import { registerJsonBody } from './body.js';
import { registerConsole, type ConsoleOptions } from './console/routes.js';
import { registerDeadLetters } from './dead-letters.js';
import { registerHealth } from './health.js';
import { HttpError } from './http-error.js';
import type { Intake } from './intake.js';
import { describeBytes, segmentBatchBytes } from './limits.js';
import { registerMetricsRoute, type Metrics } from './metrics.js';
import { registerTrackingApi } from './tracking-api.js';
import { registerTransformerApi } from './transformer-routes.js';
import { registerWebhook } from './webhook.js';

export interface ServerOptions {
  config: DestinationConfig;
  intake: Intake;
  metrics: Metrics;
  logger: FastifyBaseLogger;
  /** --no-auth: intake routes take unauthenticated requests (the command binds to loopback). */
  open?: boolean;
  /** A request (headers and body) must arrive within this; slow or half-sent bodies get a 408. */
  requestTimeoutMs?: number;
  /** How long intake waits for room under `maxQueuedEvents` before answering 503 (default 2 s). */
  roomWaitMs?: number;
  /** The console at /console, served with an adminToken (README, "Console"). */
  console?: ConsoleOptions;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Status for a body over the route's limit: Segment's API answers 400, HTTP's own word is 413. */
    bodyLimitStatus?: number;
  }
}

export interface Server {
  app: FastifyInstance;
  /**
   * The first step of a graceful shutdown: from now on new intake and readiness answer 503 (the listener stays up);
   * resolves once no request that arrived before is still in flight.
   */
  stopIntake(): Promise<void>;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** An incoming X-Request-Id worth keeping: a token (UUIDs, trace ids), nothing that could forge a log line. */
const REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;
/** Within SDKs' request timeouts (10 s and more): room freed meanwhile takes the batch instead of a 503 and a retry. */
const DEFAULT_ROOM_WAIT_MS = 2_000;

/** The `serve` HTTP application: routes per intake on one Fastify instance, errors as `{statusCode, error, message}`. */
export function buildServer(options: ServerOptions): Server {
  const { config, metrics } = options;
  // Every intake route waits a little for room, in arrival order (README: Backpressure).
  const roomWaitMs = options.roomWaitMs ?? DEFAULT_ROOM_WAIT_MS;
  const intake: Intake = { ...options.intake, accept: (events, accepting) => options.intake.accept(events, { ...accepting, waitForRoomMs: roomWaitMs }) };
  const open = options.open ?? false;
  const requestTimeout = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  const app = Fastify({
    loggerInstance: options.logger,
    requestTimeout,
    // Node checks request timeouts on this interval; the default (30 s) would let a slow body hold on far longer.
    http: { connectionsCheckingInterval: Math.min(1000, requestTimeout) },
    // X-Request-Id from a proxy or client is kept (when it is a plain token) for the logs and echoed; else one is made.
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    return503OnClosing: true,
    // request.ip reads X-Forwarded-For only from these proxies (README, Configuration: trustProxy).
    ...(config.trustProxy.length > 0 ? { trustProxy: config.trustProxy } : {}),
    forceCloseConnections: 'idle',
    // Two log lines per request would cost more than the intake itself; onResponse below logs what matters.
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.server.headersTimeout = requestTimeout;

  let stopping = false;
  // Requests being answered, so a shutdown waits for them ('close' also comes when the client goes away).
  let inFlight = 0;
  const idle = new Set<() => void>();
  app.addHook('onRequest', async (request, reply) => {
    inFlight++;
    reply.raw.once('close', () => {
      inFlight--;
      if (inFlight === 0) for (const resolve of idle) resolve();
    });
    if (stopping && request.method === 'POST') throw new HttpError(503, 'shutting down: send again later', { 'retry-after': '5', connection: 'close' });
  });

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  app.addHook('onResponse', async (request, reply) => {
    const line = { method: request.method, url: request.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 400) request.log.info(line, 'request refused');
    else request.log.debug(line, 'request');
  });

  registerJsonBody(app);
  app.setErrorHandler(async (error: FastifyError, request, reply) =>
    answerError(error, request.routeOptions.config?.bodyLimitStatus, request.routeOptions.bodyLimit, reply, request.log),
  );
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );

  registerTrackingApi(app, { intake, metrics, writeKey: config.writeKey, open });
  registerWebhook(app, { intake, metrics, secret: config.webhookSecret, open });
  if (config.transformerApi) registerTransformerApi(app, config.store);
  registerHealth(app, intake, config.maxQueuedEvents, () => stopping);
  registerMetricsRoute(app, metrics);
  if (config.adminToken !== undefined) registerDeadLetters(app, intake, config.adminToken);
  if (config.adminToken !== undefined && options.console) registerConsole(app, { ...config, adminToken: config.adminToken }, options.console);

  const stopIntake = (): Promise<void> => {
    stopping = true;
    if (inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        idle.delete(done);
        resolve();
      };
      idle.add(done);
    });
  };
  return { app, stopIntake };
}

type Reply = Parameters<Parameters<FastifyInstance['setErrorHandler']>[0]>[2];

/** Client mistakes keep their status and message; anything else is a 500 whose details stay in the log. */
function answerError(
  error: FastifyError,
  bodyLimitStatus: number | undefined,
  bodyLimit: number | undefined,
  reply: Reply,
  log: FastifyInstance['log'],
): Reply {
  let status = error.statusCode ?? 500;
  let message = error.message;
  if (error instanceof HttpError) reply.headers(error.headers);
  // Nothing of the request was taken: the sender keeps the events and sends them again.
  if (error instanceof QueueFullError || error instanceof StoreUnavailableError) {
    status = 503;
    message =
      error instanceof QueueFullError
        ? `the delivery queue is full: retry after ${error.retryAfterSeconds} s`
        : `the state store is unavailable, nothing of this request was taken: retry after ${error.retryAfterSeconds} s`;
    reply.header('retry-after', String(error.retryAfterSeconds));
  }
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    status = bodyLimitStatus ?? 413;
    message = `the body is over ${bodyLimit === undefined ? 'the limit' : describeBytes(bodyLimit)}${bodyLimit === segmentBatchBytes ? " (Segment's limit for a batch; 32 KB an event)" : ''}`;
  }
  if (status >= 500 && status !== 503) {
    log.error({ err: error }, 'request failed');
    message = 'internal error (logged)';
  } else if (status < 500) {
    log.info({ reason: message }, 'refused');
  }
  return reply.code(status).send({ statusCode: status, error: statusText(status), message });
}

const statusText = (status: number): string => STATUS_CODES[status] ?? (status < 500 ? 'Client Error' : 'Server Error');

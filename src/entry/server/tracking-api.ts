import type { FastifyInstance, FastifyRequest } from 'fastify';
import { acceptEvents, type AcceptedBody } from './accept-events.js';
import { basicUser, safeEqual } from './auth.js';
import { fillClientIp } from './client-ip.js';
import { correctDeviceTimes } from './intake-time.js';
import { isPlainObject } from '../../helpers/values.js';
import { httpError } from './http-error.js';
import type { Intake } from './intake.js';
import { describeBytes, importBytes, jsonBytes, segmentBatchBytes, segmentEventBytes } from './limits.js';
import type { Metrics } from './metrics.js';

/** The single-event endpoints of Segment's HTTP tracking API; each sets the event's type. */
export const singleEventTypes = ['track', 'identify', 'group', 'page', 'screen', 'alias'] as const;

export interface TrackingApiOptions {
  intake: Intake;
  metrics: Metrics;
  /** Basic-auth user the routes require; undefined with `open` for --no-auth. */
  writeKey?: string;
  open: boolean;
}

/**
 * Segment's HTTP tracking API (`/v1/batch` and one route per call type), so Segment and RudderStack SDKs work
 * by pointing their host at this server. Authenticated like Segment's: Basic auth with the write key as the
 * user (or `writeKey` in the body). An event over 32 KB is refused on its own; a body over 500 KB is a 400.
 */
export function registerTrackingApi(app: FastifyInstance, options: TrackingApiOptions): void {
  const { intake, metrics } = options;
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    if (options.open) return;
    if (options.writeKey === undefined) throw httpError(401, 'this server has no writeKey configured: the /v1 tracking API is off');
    const bodyKey = isPlainObject(request.body) && typeof request.body.writeKey === 'string' ? request.body.writeKey : undefined;
    const given = basicUser(request.headers.authorization) ?? bodyKey;
    if (given === undefined) throw httpError(401, 'missing write key: send Basic auth with the write key as the user');
    if (!safeEqual(given, options.writeKey)) throw httpError(401, 'wrong write key');
  };
  const routeOptions = { bodyLimit: segmentBatchBytes, config: { bodyLimitStatus: 400 }, preHandler: authenticate };

  const batchRoute = async (request: FastifyRequest): Promise<AcceptedBody> => {
    const body = request.body;
    if (!isPlainObject(body) || !Array.isArray(body.batch)) throw httpError(400, 'the body must be {"batch": [events]}');
    const events: unknown[] = body.batch;
    // The batch's sentAt stands for each event's when it has none (a timestamp fallback for clock-less events).
    // The events were just parsed from this request: filling the field in place copies nothing.
    if (body.sentAt !== undefined) for (const event of events) if (isPlainObject(event) && event.sentAt === undefined) event.sentAt = body.sentAt;
    fillClientIp(events, request);
    correctDeviceTimes(events, Date.now());
    // No event can be larger than the body it came in; each one measured is stored as that text.
    const measured = (request.rawBody?.length ?? Infinity) > segmentEventBytes ? measure(events) : undefined;
    return acceptEvents(intake, metrics, request.log, { source: 'tracking_api', events, ...measured, single: false });
  };
  app.post('/v1/batch', routeOptions, batchRoute);
  // RudderStack's bulk route (its SDKs' and tools' imports): /v1/batch's auth and semantics, a larger body.
  app.post('/v1/import', { ...routeOptions, bodyLimit: importBytes }, batchRoute);

  for (const type of singleEventTypes) {
    app.post(`/v1/${type}`, routeOptions, async (request): Promise<AcceptedBody> => {
      if (!isPlainObject(request.body)) throw httpError(400, `the body must be one ${type} event (a JSON object)`);
      // A write key sent in the body authenticates; it is not part of the event (dead letters keep events).
      const { writeKey: _writeKey, ...fields } = request.body;
      const event = { ...fields, type };
      fillClientIp([event], request);
      correctDeviceTimes([event], Date.now());
      return acceptEvents(intake, metrics, request.log, { source: 'tracking_api', events: [event], ...measure([event]), single: true });
    });
  }
}

/** Each event's JSON text (the outbox stores it as is), and the events over Segment's 32 KB by index, each with the reason. */
function measure(events: readonly unknown[]): { json: string[]; refused: Map<number, string> } {
  const refused = new Map<number, string>();
  const json = events.map((event, index) => {
    const text = JSON.stringify(event);
    const bytes = jsonBytes(text);
    if (bytes > segmentEventBytes) refused.set(index, `event is ${bytes} bytes: at most ${describeBytes(segmentEventBytes)} an event`);
    return text;
  });
  return { json, refused };
}

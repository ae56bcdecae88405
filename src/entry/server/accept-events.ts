import type { FastifyBaseLogger } from 'fastify';
import { httpError } from './http-error.js';
import type { AcceptOutcome } from '../library/destination.js';
import type { Intake } from './intake.js';
import type { Metrics } from './metrics.js';

export interface AcceptedBody {
  success: true;
  accepted: number;
  skipped: number;
  /** Events of the request refused one by one, with the field and rule that refused them. */
  rejected: Array<{ index: number; messageId?: string; reason: string }>;
}

export interface AcceptRequest {
  /** Metric label: which intake the events came through. */
  source: 'tracking_api' | 'webhook';
  events: readonly unknown[];
  /** Per-event refusals found before the intake (size limits), by index into `events`. */
  refused?: ReadonlyMap<number, string>;
  /** Each event's JSON text, when the route has it: the outbox stores it instead of stringifying the event again. */
  json?: ReadonlyArray<string | undefined>;
  /** One event per request: a refusal is the request's answer (400) rather than a line in a 200. */
  single: boolean;
}

/**
 * Hands the events to the intake (answering only after it committed them) and turns their outcomes into the
 * answer: Segment's `{"success": true}` plus counts, and each rejected event with its reason, also counted
 * and logged. Events refused before the intake keep their index among the request's events.
 */
export async function acceptEvents(intake: Intake, metrics: Metrics, log: FastifyBaseLogger, request: AcceptRequest): Promise<AcceptedBody> {
  const { events, refused = new Map<number, string>(), json } = request;
  metrics.eventsReceived.inc({ source: request.source }, events.length);
  let outcomes: AcceptOutcome[];
  if (refused.size === 0) {
    outcomes = await intake.accept(events, { json });
  } else {
    const kept = events.flatMap((event, index) => (refused.has(index) ? [] : [{ event, index }]));
    const taken =
      kept.length === 0
        ? []
        : await intake.accept(
            kept.map(({ event }) => event),
            { json: json && kept.map(({ index }) => json[index]) },
          );
    outcomes = [
      ...[...refused].map(([index, reason]): AcceptOutcome => ({ index, status: 'rejected', reason })),
      ...taken.map((outcome) => ({ ...outcome, index: kept[outcome.index]!.index })),
    ].sort((a, b) => a.index - b.index);
  }

  const body: AcceptedBody = { success: true, accepted: 0, skipped: 0, rejected: [] };
  for (const outcome of outcomes) {
    if (outcome.status === 'accepted') body.accepted++;
    else if (outcome.status === 'skipped') body.skipped++;
    else body.rejected.push({ index: outcome.index, ...(outcome.messageId ? { messageId: outcome.messageId } : {}), reason: outcome.reason ?? 'rejected' });
  }
  // Once per status and request, not per event: label lookups are the costly part of a counter.
  const counts = { accepted: body.accepted, skipped: body.skipped, rejected: body.rejected.length };
  for (const [status, count] of Object.entries(counts)) if (count > 0) metrics.eventsTaken.inc({ source: request.source, status }, count);
  // Skipped and rejected are final here; the deliverer reports the accepted events' outcomes.
  if (counts.skipped > 0) metrics.eventOutcomes.inc({ status: 'skipped' }, counts.skipped);
  if (counts.rejected > 0) metrics.eventOutcomes.inc({ status: 'rejected' }, counts.rejected);
  if (body.rejected.length > 0) log.warn({ source: request.source, rejected: body.rejected }, 'events rejected');
  if (request.single && body.rejected.length === 1) throw httpError(400, body.rejected[0]!.reason);
  // Nothing of the request can ever be taken: a 400 (SDKs drop it) rather than a 200 or a 503 they would retry.
  if (events.length > 0 && body.rejected.length === events.length) throw httpError(400, everyEventRejected(body.rejected));
  return body;
}

const shownRejections = 5;

/** `every event was rejected: [0] userId: ...; [1] ...`, the first few by index. */
function everyEventRejected(rejected: AcceptedBody['rejected']): string {
  const shown = rejected.slice(0, shownRejections).map(({ index, reason }) => `[${index}] ${reason}`);
  const more = rejected.length > shownRejections ? `; and ${rejected.length - shownRejections} more` : '';
  return `every event was rejected (${rejected.length}): ${shown.join('; ')}${more}`;
}

import type { FastifyInstance, FastifyReply } from 'fastify';
import { StoreUnavailableError } from '../../state/state-error.js';
import type { Intake } from './intake.js';

export interface HealthBody {
  status: 'ok' | 'degraded' | 'stopping';
  reason?: string;
  queuedEvents?: number;
  deadLetters?: number;
}

/** From this share of `maxQueuedEvents` on, health says the queue is near its bound (SDK batches soon get 503). */
export const nearBoundShare = 0.9;

/** Why the queue makes the destination degraded, if it does: at or near `maxQueuedEvents`. */
export function queueBoundReason(queuedEvents: number, maxQueuedEvents: number): string | undefined {
  if (queuedEvents >= maxQueuedEvents) return `queue full: ${queuedEvents} events queued (maxQueuedEvents ${maxQueuedEvents})`;
  if (queuedEvents >= nearBoundShare * maxQueuedEvents) return `queue near its bound: ${queuedEvents} events queued (maxQueuedEvents ${maxQueuedEvents})`;
  return undefined;
}

/**
 * `GET /health`: 200 while the destination delivers; 503 with the reason when it is degraded (credentials
 * refused, OpenPanel failing for many users, the delivery loop failing, queue at or near its bound, state store
 * unreachable) or the server is shutting down, so a load balancer moves traffic away.
 * `GET /health/live`: 200 while the process answers at all (a liveness probe restarts it otherwise), stopping included.
 * `GET /health/ready`: 200 while new events should come here; 503 with the reason while stopping, with the queue at
 * its bound, while OpenPanel refuses the credentials or the state store is unreachable (README, serve).
 */
export function registerHealth(app: FastifyInstance, intake: Intake, maxQueuedEvents: number, stopping: () => boolean): void {
  const answer = (reply: FastifyReply, body: HealthBody): HealthBody => (reply.code(body.status === 'ok' ? 200 : 503), body);

  app.get('/health', async (_request, reply): Promise<HealthBody> => {
    // The store may be closing while stopping: it is not read then.
    if (stopping()) return answer(reply, { status: 'stopping', reason: 'shutting down' });
    let stats;
    try {
      stats = await intake.stats();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return answer(reply, { status: 'degraded', reason: error.message });
    }
    const { queuedEvents, deadLetters } = stats;
    const counts = { queuedEvents, deadLetters };
    const health = intake.health();
    if (!health.healthy) return answer(reply, { status: 'degraded', ...(health.reason === undefined ? {} : { reason: health.reason }), ...counts });
    const queueReason = queueBoundReason(queuedEvents, maxQueuedEvents);
    if (queueReason !== undefined) return answer(reply, { status: 'degraded', reason: queueReason, ...counts });
    return answer(reply, { status: 'ok', ...counts });
  });

  app.get('/health/live', async (): Promise<HealthBody> => ({ status: 'ok' }));

  app.get('/health/ready', async (_request, reply): Promise<HealthBody> => {
    if (stopping()) return answer(reply, { status: 'stopping', reason: 'shutting down' });
    const health = intake.health();
    if (!health.ready) return answer(reply, { status: 'degraded', ...(health.reason === undefined ? {} : { reason: health.reason }) });
    let queuedEvents;
    try {
      ({ queuedEvents } = await intake.stats());
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return answer(reply, { status: 'degraded', reason: error.message });
    }
    // Near the bound intake still takes events; at it, it answers 503.
    if (queuedEvents >= maxQueuedEvents) return answer(reply, { status: 'degraded', reason: queueBoundReason(queuedEvents, maxQueuedEvents), queuedEvents });
    return answer(reply, { status: 'ok', queuedEvents });
  });
}

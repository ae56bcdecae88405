import type { FastifyInstance } from 'fastify';
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
 */
export function registerHealth(app: FastifyInstance, intake: Intake, maxQueuedEvents: number, stopping: () => boolean): void {
  app.get('/health', async (_request, reply): Promise<HealthBody> => {
    const answer = (body: HealthBody): HealthBody => (reply.code(body.status === 'ok' ? 200 : 503), body);
    let stats;
    try {
      stats = await intake.stats();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError)) throw error;
      return answer({ status: stopping() ? 'stopping' : 'degraded', reason: error.message });
    }
    const { queuedEvents, deadLetters } = stats;
    const counts = { queuedEvents, deadLetters };
    if (stopping()) return answer({ status: 'stopping', reason: 'shutting down', ...counts });
    const health = intake.health();
    if (!health.healthy) return answer({ status: 'degraded', ...(health.reason === undefined ? {} : { reason: health.reason }), ...counts });
    const queueReason = queueBoundReason(queuedEvents, maxQueuedEvents);
    if (queueReason !== undefined) return answer({ status: 'degraded', reason: queueReason, ...counts });
    return answer({ status: 'ok', ...counts });
  });
}

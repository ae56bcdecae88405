import type { FastifyInstance } from 'fastify';
import { StoreUnavailableError } from '../../state/state-error.js';
import type { Intake } from './intake.js';

export interface HealthBody {
  status: 'ok' | 'degraded' | 'stopping';
  reason?: string;
  queuedEvents?: number;
  deadLetters?: number;
}

/**
 * `GET /health`: 200 while the destination delivers; 503 with the reason when it is degraded (credentials
 * refused, queue at its bound, state store unreachable) or the server is shutting down, so a load balancer
 * moves traffic away.
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
    if (queuedEvents >= maxQueuedEvents) return answer({ status: 'degraded', reason: `queue full: ${queuedEvents} events queued (maxQueuedEvents ${maxQueuedEvents})`, ...counts });
    return answer({ status: 'ok', ...counts });
  });
}

import type { FastifyInstance } from 'fastify';
import type { Intake } from './intake.js';

export interface HealthBody {
  status: 'ok' | 'degraded' | 'stopping';
  reason?: string;
  queuedEvents: number;
  deadLetters: number;
}

/**
 * `GET /health`: 200 while the destination delivers; 503 with the reason when it is degraded (credentials
 * refused, disk full, queue over its bound) or the server is shutting down, so a load balancer moves traffic away.
 */
export function registerHealth(app: FastifyInstance, intake: Intake, stopping: () => boolean): void {
  app.get('/health', async (_request, reply): Promise<HealthBody> => {
    const health = intake.health();
    const { queuedEvents, deadLetters } = await intake.stats();
    const reason = stopping() ? 'shutting down' : health.reason;
    const status = stopping() ? 'stopping' : health.status;
    reply.code(status === 'ok' ? 200 : 503);
    return { status, ...(reason === undefined ? {} : { reason }), queuedEvents, deadLetters };
  });
}

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { DeadLetter } from '../../delivery/dead-letters.js';
import { bearerToken, safeEqual } from './auth.js';
import { httpError } from './http-error.js';
import type { Intake } from './intake.js';

const zPage = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  after: z.string().min(1).optional(),
});

/**
 * Dead letters over HTTP, for operators: `GET /dead-letters?limit=&after=` pages oldest first,
 * `POST /dead-letters/replay` re-sends them all, `DELETE /dead-letters/:id` discards one. All need `Authorization: Bearer <adminToken>`;
 * without an adminToken configured they are not served.
 */
export function registerDeadLetters(app: FastifyInstance, intake: Intake, adminToken: string): void {
  const authenticate = async (request: FastifyRequest): Promise<void> => {
    const token = bearerToken(request.headers.authorization);
    if (token === undefined || !safeEqual(token, adminToken)) throw httpError(401, 'send Authorization: Bearer <adminToken>');
  };

  app.get('/dead-letters', { preHandler: authenticate }, async (request): Promise<{ deadLetters: DeadLetter[]; next?: string }> => {
    const page = zPage.safeParse(request.query);
    if (!page.success) throw httpError(400, 'query: limit must be a whole number from 1 to 1000; after a dead-letter id');
    const { limit, after } = page.data;
    const deadLetters = await intake.deadLetters.list({ limit, ...(after === undefined ? {} : { afterId: after }) });
    const last = deadLetters.at(-1);
    return { deadLetters, ...(deadLetters.length === limit && last ? { next: last.id } : {}) };
  });

  app.post('/dead-letters/replay', { preHandler: authenticate }, async () => intake.replay());

  app.delete('/dead-letters/:id', { preHandler: authenticate }, async (request, reply) => {
    const { id } = request.params as { id: string };
    if ((await intake.deadLetters.remove([id])) === 0) throw httpError(404, `no dead letter ${id}`);
    return reply.code(204).send();
  });
}

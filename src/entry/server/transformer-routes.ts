import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StoreConfig } from '../../state/open-state.js';
import { closeDestinations } from '../rudderstack/destinations.js';
import { processRouterDest, useStore, type ProcessorInput, type RequestMetadata, type RestRequest, type RouterOutput } from '../rudderstack/transformer-api.js';
import { httpError } from './http-error.js';
import { transformerBytes } from './limits.js';

const zProcessorInput = z.looseObject({
  message: z.unknown(),
  destination: z.looseObject({ ID: z.string().optional(), Config: z.unknown() }),
  metadata: z.unknown().optional(),
});
const zProcessorBody = z.array(zProcessorInput);
const zRouterBody = z.looseObject({ destType: z.string().optional(), input: z.array(zProcessorInput) });

/** One processor-transform response item, as rudder-server reads them. */
type ProcessorOutput = { output: RestRequest; metadata: unknown; statusCode: 200 } | { metadata: unknown; statusCode: number; error: string; statTags: object };

/**
 * rudder-server announces that it takes 298 for filtered events with `X-Feature-Filter-Code: ?1` (a structured
 * header boolean); rudder-transformer reads it into request metadata `features['filter-code']`, as does this.
 */
const requestMetadata = (request: FastifyRequest): RequestMetadata => {
  const header = request.headers['x-feature-filter-code'];
  const value = (Array.isArray(header) ? header[0] : header)?.trim().toLowerCase();
  return { features: { 'filter-code': value === '?1' || value === 'true' } };
};

const shapeError = (route: string, shape: string, error: z.ZodError) =>
  httpError(400, `${route}: the body must be ${shape}; ${z.prettifyError(error).replace(/\n/g, ' ')}`);

/**
 * RudderStack's transformer API, so a self-hosted rudder-server can use this server as its OpenPanel transformer:
 * `POST /v0/destinations/openpanel` (processor: one response item per request, each with the event's metadata)
 * and `POST /routerTransform` (`{input}` -> `{output}`). rudder-server calls these without credentials and they
 * change membership: served only with config `transformerApi: true`, and only on a private network. A store
 * outage fails the whole call (StoreUnavailableError: 503 with Retry-After), so rudder-server sends it again.
 */
export function registerTransformerApi(app: FastifyInstance, store: StoreConfig): void {
  // Membership in the configured store: with Redis, every instance (and transformer replica) shares it.
  useStore(store);
  app.addHook('onClose', async () => closeDestinations());
  app.post('/v0/destinations/openpanel', { bodyLimit: transformerBytes }, async (request): Promise<ProcessorOutput[]> => {
    const parsed = zProcessorBody.safeParse(request.body);
    if (!parsed.success) throw shapeError('processor transform', 'an array of {message, destination: {Config}, metadata}', parsed.error);
    // The router transform handles events in order with per-event errors; the processor answers per request.
    const outputs = await processRouterDest(parsed.data as ProcessorInput[], requestMetadata(request));
    return outputs.flatMap(processorItems);
  });

  app.post('/routerTransform', { bodyLimit: transformerBytes }, async (request): Promise<{ output: RouterOutput[] }> => {
    const parsed = zRouterBody.safeParse(request.body);
    if (!parsed.success) throw shapeError('router transform', '{destType, input: [{message, destination: {Config}, metadata}]}', parsed.error);
    const { destType, input } = parsed.data;
    if (destType !== undefined && destType.toLowerCase() !== 'openpanel')
      throw httpError(400, `router transform: destType ${destType} is not served here (openpanel only)`);
    return { output: await processRouterDest(input as ProcessorInput[], requestMetadata(request)) };
  });
}

function processorItems(output: RouterOutput): ProcessorOutput[] {
  const metadata = output.metadata[0];
  if (!('batchedRequest' in output)) return [{ metadata, statusCode: output.statusCode, error: output.error, statTags: output.statTags }];
  const requests = Array.isArray(output.batchedRequest) ? output.batchedRequest : [output.batchedRequest];
  return requests.map((request) => ({ output: request, metadata, statusCode: 200 }));
}

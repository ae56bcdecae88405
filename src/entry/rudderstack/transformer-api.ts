import { BaseError, ConfigurationError, InstrumentationError } from '../../errors.js';
import { configProblems } from '../../config/load.js';
import type { OpenPanelRequest } from '../../openpanel/contract.js';
import { fingerprint } from '../../transform/fingerprint.js';
import type { DestinationConfigInput } from '../../config/schema.js';
import { configSchema } from '../../config/schema.js';
import { createDryRun } from '../library/dry-run.js';
import type { StoreConfig } from '../../state/open-state.js';

type Destination = ReturnType<typeof createDryRun>;
import { fromControlPlane } from './control-plane-config.js';

/** RudderStack's shapes (rudder-transformer's processor and router contracts). */
export interface RudderDestination {
  ID?: string;
  Config: unknown;
}
export interface ProcessorInput {
  message: unknown;
  destination: RudderDestination;
  metadata?: unknown;
}
export interface RestRequest {
  version: '1';
  type: 'REST';
  method: 'POST';
  endpoint: string;
  headers: Record<string, string>;
  params: Record<string, never>;
  body: { JSON: unknown; JSON_ARRAY: Record<string, never>; XML: Record<string, never>; FORM: Record<string, never> };
  files: Record<string, never>;
}
export type RouterOutput =
  | { batchedRequest: RestRequest | RestRequest[]; metadata: unknown[]; batched: false; statusCode: 200; destination: RudderDestination }
  | { metadata: unknown[]; batched: false; statusCode: number; error: string; statTags: object; destination: RudderDestination };

/** rudder-server's status for an event the destination deliberately does not send. */
const FILTERED_STATUS = 298;
class FilteredEventError extends BaseError {
  constructor(reason: string) {
    super(reason, FILTERED_STATUS, { errorCategory: 'filtered' });
  }
}

let store: StoreConfig = { type: 'sqlite' };

/** Where transformer membership lives: config `store` (serve passes its own), so replicas on one Redis share it. */
export function useStore(next: StoreConfig): void {
  store = next;
}

const MAX_DESTINATIONS = 100;
// One destination per RudderStack destination and config, so each keeps its users' membership across calls.
const destinations = new Map<string, Destination>();

function destinationFor({ ID, Config }: RudderDestination): Destination {
  const config = fromControlPlane(Config);
  const key = `${ID ?? ''}:${fingerprint(config)}`;
  let destination = destinations.get(key);
  if (destination === undefined) {
    const problems = configProblems(config);
    if (problems.length > 0) throw new ConfigurationError(`invalid OpenPanel destination config: ${problems.join('; ')}`);
    destination = createDryRun(configSchema.parse(config as DestinationConfigInput), { store, scope: ID ?? key });
    destinations.set(key, destination);
    if (destinations.size > MAX_DESTINATIONS) {
      const [oldest, evicted] = destinations.entries().next().value as [string, Destination];
      destinations.delete(oldest);
      void evicted.close();
    }
  }
  return destination;
}

/** rudder-server delivers these itself, so unlike `transform` output they carry the client secret header. */
function restRequest(destination: Destination, { headers, body }: OpenPanelRequest): RestRequest {
  return {
    version: '1',
    type: 'REST',
    method: 'POST',
    endpoint: `${destination.config.apiUrl.replace(/\/+$/, '')}/track`,
    headers: { ...headers, 'openpanel-client-secret': destination.config.clientSecret, 'content-type': 'application/json' },
    params: {},
    body: { JSON: body, JSON_ARRAY: {}, XML: {}, FORM: {} },
    files: {},
  };
}

/** Processor transform: one event -> its requests; a rejected event throws InstrumentationError, a skipped one a 298. */
export async function process(input: ProcessorInput): Promise<RestRequest[]> {
  const destination = destinationFor(input.destination);
  const result = await destination.transformEvent(input.message, 0);
  if (result.status === 'ok') return result.requests.map((request) => restRequest(destination, request));
  if (result.status === 'rejected') throw new InstrumentationError(result.reason);
  throw new FilteredEventError(result.reason);
}

/** Router transform: events in order (so membership follows them), one output per event with its metadata. */
export async function processRouterDest(inputs: readonly ProcessorInput[]): Promise<RouterOutput[]> {
  const outputs: RouterOutput[] = [];
  for (const input of inputs) {
    const metadata = [input.metadata];
    try {
      const requests = await process(input);
      outputs.push({ batchedRequest: requests.length === 1 ? (requests[0] as RestRequest) : requests, metadata, batched: false, statusCode: 200, destination: input.destination });
    } catch (error) {
      const known = error instanceof BaseError;
      outputs.push({
        metadata,
        batched: false,
        statusCode: known ? error.status : 500,
        error: (error as Error).message,
        statTags: known ? error.statTags : { errorCategory: 'transformation' },
        destination: input.destination,
      });
    }
  }
  return outputs;
}

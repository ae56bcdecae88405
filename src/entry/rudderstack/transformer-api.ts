import { BaseError, InstrumentationError, type StatTags } from '../../errors.js';
import { isPlainObject } from '../../helpers/values.js';
import type { OpenPanelRequest } from '../../openpanel/contract.js';
import { StoreUnavailableError } from '../../state/state-error.js';
import { destinationFor, type RudderDestination, type RudderStackDestination } from './destinations.js';
import { asHostError } from './host-errors.js';

export type { RudderDestination } from './destinations.js';
export { useStore } from './destinations.js';

/** rudder-transformer's processor and router contracts (its src/types and zod response schemas). */
export interface ProcessorInput {
  message: unknown;
  destination: RudderDestination;
  metadata?: unknown;
}
/** What rudder-transformer passes with each call; `features['filter-code']` means rudder-server takes 298. */
export interface RequestMetadata {
  features?: Record<string, unknown>;
}
export interface RestRequest {
  version: '1';
  type: 'REST';
  method: 'POST';
  endpoint: string;
  endpointPath: '/track';
  /** The event's user (userId, else anonymousId), as rudder-transformer's destinations set it. */
  userId: string;
  headers: Record<string, string>;
  params: Record<string, never>;
  body: { JSON: unknown; JSON_ARRAY: Record<string, never>; XML: Record<string, never>; FORM: Record<string, never> };
  files: Record<string, never>;
}
export type RouterOutput =
  | { batchedRequest: RestRequest | RestRequest[]; metadata: unknown[]; batched: false; statusCode: 200; destination: RudderDestination }
  | { metadata: unknown[]; batched: false; statusCode: number; error: string; statTags: StatTags; destination: RudderDestination };

/** rudder-server's status for an event a destination deliberately drops; `filtered` is an error type in its tags. */
const FILTERED_STATUS = 298;
export class FilteredEventError extends BaseError {
  constructor(reason: string) {
    super(reason, FILTERED_STATUS, { errorCategory: 'dataValidation', errorType: 'filtered' });
    this.name = 'FilteredEventError';
  }
}

/** Whether rudder-server said it understands 298 (as rudder-transformer's isNewStatusCodesAccepted reads it). */
const acceptsFilteredStatus = (requestMetadata: unknown): boolean =>
  isPlainObject(requestMetadata) && isPlainObject(requestMetadata.features) && requestMetadata.features['filter-code'] === true;

const messageType = (message: unknown): string | undefined =>
  isPlainObject(message) && typeof message.type === 'string' ? message.type.toLowerCase() : undefined;

function eventUserId(message: unknown): string {
  if (!isPlainObject(message)) return '';
  const id = message.userId ?? message.anonymousId;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : '';
}

/** rudder-server delivers these itself, so unlike `transform` output they carry the client secret header. */
function restRequest(destination: RudderStackDestination, { headers, body }: OpenPanelRequest, userId: string): RestRequest {
  return {
    version: '1',
    type: 'REST',
    method: 'POST',
    endpoint: `${destination.config.apiUrl.replace(/\/+$/, '')}/track`,
    endpointPath: '/track',
    userId,
    headers: { ...headers, 'openpanel-client-secret': destination.config.clientSecret, 'content-type': 'application/json' },
    params: {},
    body: { JSON: body, JSON_ARRAY: {}, XML: {}, FORM: {} },
    files: {},
  };
}

/**
 * Processor transform: one event -> its requests. Nothing to send is never a 2xx without output: alias (which
 * OpenPanel refuses) and invalid events are InstrumentationErrors (400); an event skipped on purpose
 * (integrations flags, event filtering, identify without userId) is a 298 FilteredEventError when rudder-server
 * accepts that status, else a 400 as well.
 */
export async function process(input: ProcessorInput, requestMetadata?: unknown): Promise<RestRequest[]> {
  try {
    return await processEvent(input, requestMetadata);
  } catch (error) {
    throw asHostError(error);
  }
}

async function processEvent(input: ProcessorInput, requestMetadata?: unknown): Promise<RestRequest[]> {
  const destination = destinationFor(input.destination);
  const result = await destination.transformEvent(input.message, 0);
  if (result.status === 'ok') {
    const userId = eventUserId(input.message);
    return result.requests.map((request) => restRequest(destination, request, userId));
  }
  if (result.status === 'rejected' || messageType(input.message) === 'alias' || !acceptsFilteredStatus(requestMetadata)) {
    throw new InstrumentationError(result.reason);
  }
  throw new FilteredEventError(result.reason);
}

/**
 * Router transform: events in order (so membership follows them), one output per event with its metadata.
 * Throws StoreUnavailableError when the membership store is unreachable (serve answers 503).
 */
export async function processRouterDest(inputs: readonly ProcessorInput[], requestMetadata?: unknown): Promise<RouterOutput[]> {
  const outputs: RouterOutput[] = [];
  for (const input of inputs) {
    const metadata = [input.metadata];
    try {
      const requests = await processEvent(input, requestMetadata);
      outputs.push({
        batchedRequest: requests.length === 1 ? (requests[0] as RestRequest) : requests,
        metadata,
        batched: false,
        statusCode: 200,
        destination: input.destination,
      });
    } catch (error) {
      // An unreachable store is no fault of the event: the whole call fails, so the caller sends it again.
      if (error instanceof StoreUnavailableError) throw error;
      const known = error instanceof BaseError;
      outputs.push({
        metadata,
        batched: false,
        statusCode: known ? error.status : 500,
        error: (error as Error).message,
        // An unexpected error is tagged as rudder-transformer tags one it did not anticipate (generateErrorObject).
        statTags: known ? error.statTags : { errorCategory: 'transformation' },
        destination: input.destination,
      });
    }
  }
  return outputs;
}

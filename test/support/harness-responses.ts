import {
  processorCases,
  routerCases,
  type Metadata,
  type TransformerInput,
} from '../../integrations/rudder-transformer/test/integrations/destinations/openpanel/cases.js';

/** What test/support/transformer-calls.cjs records: each processor event's requests or thrown error, each router batch's outputs. */
type ProcessorAnswer = { requests: object[] } | { error: { status: number; message: string; statTags: object; hostBaseError: boolean } };
export interface TransformerAnswers {
  processed: ProcessorAnswer[][];
  routed: Array<Array<{ statTags?: object } & object>>;
}

/** The committed harness cases as calls: each processor case's events, each router case's batch. */
export const harnessCalls = {
  processor: processorCases.map((c) => c.input.request.body),
  router: routerCases.map((c) => c.input.request.body.input),
};

// What rudder-transformer's DestinationPostTransformationService does around a v0 destination's answer: an error's
// statTags are completed with where it happened, and each processor request is wrapped with its job's metadata.
const hostTags = (feature: 'processor' | 'router', metadata: Metadata) => ({
  destType: 'OPENPANEL',
  destinationId: metadata.destinationId,
  workspaceId: metadata.workspaceId,
  feature,
  implementation: 'native',
  module: 'destination',
});

function processorResponse(event: TransformerInput, answer: ProcessorAnswer): unknown[] {
  if ('requests' in answer) return answer.requests.map((output) => ({ output, metadata: event.metadata, statusCode: 200 }));
  // Only the host's own BaseError keeps its status and tags in rudder-transformer: anything else fails the comparison.
  if (!answer.error.hostBaseError) return [{ notTheHostsBaseError: answer.error }];
  return [
    {
      metadata: event.metadata,
      statusCode: answer.error.status,
      error: answer.error.message,
      statTags: { ...answer.error.statTags, ...hostTags('processor', event.metadata) },
    },
  ];
}

/** Each case's id, the response body the harness would compare, and the one the case expects. */
export function harnessResponses({ processed, routed }: TransformerAnswers): Array<{ id: string; actual: unknown; expected: unknown }> {
  return [
    ...processorCases.map((c, i) => ({
      id: c.id,
      actual: c.input.request.body.flatMap((event, j) => processorResponse(event, processed[i]![j]!)),
      expected: c.output.response.body,
    })),
    ...routerCases.map((c, i) => {
      const [first] = c.input.request.body.input;
      const output = routed[i]!.map((o) => ('error' in o && first ? { ...o, statTags: { ...o.statTags, ...hostTags('router', first.metadata) } } : o));
      return { id: c.id, actual: { output }, expected: c.output.response.body };
    }),
  ];
}

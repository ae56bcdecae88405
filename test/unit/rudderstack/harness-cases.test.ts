import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from 'node:process';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  processorCases,
  routerCases,
  type Metadata,
  type TransformerInput,
} from '../../../integrations/rudder-transformer/test/integrations/destinations/openpanel/cases.js';
import { closeDestinations } from '../../../src/entry/rudderstack/destinations.js';
import { BaseError } from '../../../src/errors.js';
import { process, processRouterDest } from '../../../src/index.js';

// The component cases committed for rudder-transformer's harness, run here through our own exports: the external
// harness is too heavy for CI, so this is where a mapping change that drifts from them fails.
const stateDir = mkdtempSync(join(tmpdir(), 'openpanel-harness-cases-'));
env.OPENPANEL_DESTINATION_DATA_DIR = stateDir;
afterAll(() => {
  closeDestinations();
  rmSync(stateDir, { recursive: true, force: true });
});

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

async function processorResponse(event: TransformerInput): Promise<unknown[]> {
  try {
    const requests = await process(event);
    return requests.map((output) => ({ output, metadata: event.metadata, statusCode: 200 }));
  } catch (error) {
    if (!(error instanceof BaseError)) throw error;
    const statTags = { ...(error.statTags as object), ...hostTags('processor', event.metadata) };
    return [{ metadata: event.metadata, statusCode: error.status, error: error.message, statTags }];
  }
}

async function routerResponse(inputs: TransformerInput[]): Promise<unknown[]> {
  const [first] = inputs;
  if (!first) return [];
  const outputs = await processRouterDest(inputs);
  return outputs.map((output) => ('error' in output ? { ...output, statTags: { ...output.statTags, ...hostTags('router', first.metadata) } } : output));
}

describe('rudder-transformer component cases through process / processRouterDest', () => {
  it.each(processorCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const body = (await Promise.all(c.input.request.body.map(processorResponse))).flat();
    expect(body).toEqual(c.output.response.body);
  });

  it.each(routerCases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    expect({ output: await routerResponse(c.input.request.body.input) }).toEqual(c.output.response.body);
  });

  it('covers every call type in both modes', () => {
    const types = (messages: { type?: unknown }[]) => new Set(messages.map((m) => m.type));
    const all = ['identify', 'group', 'track', 'page', 'screen', 'alias'];
    expect([...types(processorCases.flatMap((c) => c.input.request.body.map((e) => e.message)))].sort()).toEqual([...all].sort());
    expect([...types(routerCases.flatMap((c) => c.input.request.body.input.map((e) => e.message)))].sort()).toEqual([...all].sort());
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from 'node:process';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { processorCases, routerCases } from '../../../integrations/rudder-transformer/test/integrations/destinations/openpanel/cases.js';
import { closeDestinations } from '../../../src/entry/rudderstack/destinations.js';
import { process, processRouterDest } from '../../../src/index.js';
import { harnessCalls, harnessResponses, type TransformerAnswers } from '../../support/harness-responses.js';
import { hostBaseError } from '../../support/host-errors.js';

// The component cases committed for rudder-transformer's harness, run here through our own exports: the external
// harness is too heavy for CI, so this is where a mapping change that drifts from them fails.
const stateDir = mkdtempSync(join(tmpdir(), 'openpanel-harness-cases-'));
env.OPENPANEL_DESTINATION_DATA_DIR = stateDir;
afterAll(() => {
  closeDestinations();
  rmSync(stateDir, { recursive: true, force: true });
});

const { transformerCalls } = createRequire(import.meta.url)('../../support/transformer-calls.cjs') as {
  transformerCalls: (api: object, hostError: unknown, calls: typeof harnessCalls) => Promise<TransformerAnswers>;
};
let responses: Map<string, { actual: unknown; expected: unknown }>;
beforeAll(async () => {
  responses = new Map(harnessResponses(await transformerCalls({ process, processRouterDest }, hostBaseError, harnessCalls)).map((r) => [r.id, r]));
});

describe('rudder-transformer component cases through process / processRouterDest', () => {
  it.each([...processorCases, ...routerCases].map((c) => [c.id] as const))('%s', (id) => {
    const { actual, expected } = responses.get(id)!;
    expect(actual).toEqual(expected);
  });

  it('covers every call type in both modes', () => {
    const types = (messages: { type?: unknown }[]) => new Set(messages.map((m) => m.type));
    const all = ['identify', 'group', 'track', 'page', 'screen', 'alias'];
    expect([...types(processorCases.flatMap((c) => c.input.request.body.map((e) => e.message)))].sort()).toEqual([...all].sort());
    expect([...types(routerCases.flatMap((c) => c.input.request.body.input.map((e) => e.message)))].sort()).toEqual([...all].sort());
  });
});

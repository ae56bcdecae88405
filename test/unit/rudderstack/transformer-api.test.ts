import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { env } from 'node:process';
import { afterAll, describe, expect, it } from '@jest/globals';
import { closeDestinations } from '../../../src/entry/rudderstack/destinations.js';
import { process, processRouterDest, type ProcessorInput } from '../../../src/index.js';
import { hostBaseError } from '../../support/host-errors.js';

const stateDir = mkdtempSync(join(tmpdir(), 'openpanel-rudder-'));
env.OPENPANEL_DESTINATION_DATA_DIR = stateDir;
afterAll(() => {
  closeDestinations();
  rmSync(stateDir, { recursive: true, force: true });
});

const SECRET = 'sec_rudder_test_9f8e7d';
// As a RudderStack control plane stores the settings form: "" for cleared fields, tags as objects, consent per source.
const destination = {
  ID: 'dest-1',
  Config: {
    clientId: '0b3c1d9e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
    clientSecret: SECRET,
    apiUrl: 'https://openpanel.example.com/api/',
    defaultGroupType: '',
    eventFilteringOption: 'blacklistedEvents',
    blacklistedEvents: [{ eventName: 'Ignored' }, { eventName: '' }],
    whitelistedEvents: [{ eventName: '' }],
    consentManagement: { web: [{ provider: 'oneTrust', consents: [{ consent: '' }] }] },
    connectionMode: { web: 'cloud' },
  },
};
const input = (message: object, jobId: number): ProcessorInput => ({ message, destination, metadata: { jobId } });
const filterCode = { features: { 'filter-code': true } };

/** The status and error of a processor call that throws. */
async function failure(call: Promise<unknown>): Promise<[number, string, unknown]> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(hostBaseError);
    const e = error as InstanceType<typeof hostBaseError>;
    return [e.status, e.message, e.statTags];
  }
  throw new Error('expected the call to throw');
}

describe('RudderStack transformer API', () => {
  it('process returns REST requests rudder-server can deliver as they are, with userId and endpointPath', async () => {
    const [request, ...rest] = await process(input({ type: 'track', anonymousId: 'anon-1', event: 'Signed Up', context: { ip: '198.51.100.4' } }, 1));
    expect(rest).toEqual([]);
    expect(request).toEqual({
      version: '1',
      type: 'REST',
      method: 'POST',
      endpoint: 'https://openpanel.example.com/api/track',
      endpointPath: '/track',
      userId: 'anon-1',
      headers: expect.objectContaining({
        'openpanel-client-id': destination.Config.clientId,
        'openpanel-client-secret': SECRET,
        'openpanel-client-ip': '198.51.100.4',
        'content-type': 'application/json',
      }),
      params: {},
      body: { JSON: { type: 'track', payload: { name: 'Signed Up', properties: { __deviceId: 'anon-1' } } }, JSON_ARRAY: {}, XML: {}, FORM: {} },
      files: {},
    });
  });

  it('never answers a 2xx without output: alias and invalid events are instrumentation errors (400)', async () => {
    const instrumentation = { errorCategory: 'dataValidation', errorType: 'instrumentation' };
    expect(await failure(process(input({ type: 'alias', userId: 'u-alias', previousId: 'anon-alias' }, 1), filterCode))).toEqual([
      400,
      'alias is not supported by OpenPanel (no request sent); no groups to merge',
      instrumentation,
    ]);
    expect(await failure(process(input({ type: 'track', userId: 'u', event: 'session_start' }, 2)))).toEqual([
      400,
      'event: "session_start" is reserved by OpenPanel',
      instrumentation,
    ]);
  });

  it('an event skipped on purpose is a 298 "filtered" error only when rudder-server takes 298, else a 400', async () => {
    const denylisted = input({ type: 'track', userId: 'u', event: 'Ignored' }, 1);
    expect(await failure(process(denylisted, filterCode))).toEqual([
      298,
      'event "Ignored" is in blacklistedEvents',
      { errorCategory: 'dataValidation', errorType: 'filtered' },
    ]);
    expect(await failure(process(denylisted, { features: {} }))).toEqual([
      400,
      'event "Ignored" is in blacklistedEvents',
      { errorCategory: 'dataValidation', errorType: 'instrumentation' },
    ]);
  });

  it('processRouterDest keeps order, membership and metadata, and reports each failure on its own event', async () => {
    const outputs = await processRouterDest(
      [
        input({ type: 'group', userId: 'router-user', groupId: 'org_1', traits: { name: 'Org One' } }, 10),
        input({ type: 'track', userId: 'router-user', event: 'session_start' }, 11),
        input({ type: 'track', userId: 'router-user', event: 'Report Exported' }, 12),
        input({ type: 'alias', userId: 'router-user', previousId: 'old-id' }, 13),
        input({ type: 'track', userId: 'router-user', event: 'Ignored' }, 14),
      ],
      filterCode,
    );
    expect(outputs.map((o) => [o.metadata, o.statusCode])).toEqual([
      [[{ jobId: 10 }], 200],
      [[{ jobId: 11 }], 400],
      [[{ jobId: 12 }], 200],
      [[{ jobId: 13 }], 400],
      [[{ jobId: 14 }], 298],
    ]);
    const [group, rejected, track] = outputs;
    expect(group && 'batchedRequest' in group && Array.isArray(group.batchedRequest) && group.batchedRequest.map((r) => [r.userId, r.body.JSON])).toEqual([
      ['router-user', { type: 'group', payload: { id: 'org_1', type: 'company', name: 'Org One' } }],
      ['router-user', { type: 'assign_group', payload: { groupIds: ['org_1'], profileId: 'router-user' } }],
    ]);
    expect(rejected && 'error' in rejected && [rejected.error, rejected.statTags]).toEqual([
      'event: "session_start" is reserved by OpenPanel',
      { errorCategory: 'dataValidation', errorType: 'instrumentation' },
    ]);
    expect(track && 'batchedRequest' in track && !Array.isArray(track.batchedRequest) && track.batchedRequest.body.JSON).toEqual({
      type: 'track',
      payload: { name: 'Report Exported', profileId: 'router-user', groups: ['org_1'] },
    });
  });

  it('a bad destination config fails every event with a configuration error that never shows the secret', async () => {
    const bad = { ID: 'dest-bad', Config: { clientId: 'not-a-uuid', clientSecret: SECRET, apiUrl: 'not a url' } };
    const [output] = await processRouterDest([{ message: { type: 'track', userId: 'u', event: 'x' }, destination: bad, metadata: { jobId: 1 } }]);
    expect(output).toMatchObject({ statusCode: 400, statTags: { errorCategory: 'dataValidation', errorType: 'configuration' } });
    const error = output && 'error' in output ? output.error : '';
    expect(error).toBe('invalid OpenPanel destination config: clientId: must be a UUID; apiUrl: must be an http(s) URL');
    expect(error).not.toContain(SECRET);
  });
});

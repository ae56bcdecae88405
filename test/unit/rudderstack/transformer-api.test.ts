import { describe, expect, it } from '@jest/globals';
import { process, processRouterDest, type ProcessorInput } from '../../../src/index.js';

const SECRET = 'sec_rudder_test_9f8e7d';
// As a RudderStack control plane stores the settings form: numbers as strings, tags as objects, cleared fields as "".
const destination = {
  ID: 'dest-1',
  Config: {
    clientId: '0b3c1d9e-4f5a-4b6c-8d7e-9f0a1b2c3d4e',
    clientSecret: SECRET,
    apiUrl: 'https://openpanel.example.com/api/',
    concurrency: '32',
    timeoutMs: '',
    eventDenylist: [{ eventName: 'Ignored' }, { eventName: '' }],
  },
};
const input = (message: object, jobId: number): ProcessorInput => ({ message, destination, metadata: { jobId } });

describe('RudderStack transformer API', () => {
  it('process returns REST requests rudder-server can deliver as they are', async () => {
    const [request, ...rest] = await process(input({ type: 'track', userId: 'u1', event: 'Signed Up', context: { ip: '198.51.100.4' } }, 1));
    expect(rest).toEqual([]);
    expect(request).toEqual({
      version: '1',
      type: 'REST',
      method: 'POST',
      endpoint: 'https://openpanel.example.com/api/track',
      headers: expect.objectContaining({
        'openpanel-client-id': destination.Config.clientId,
        'openpanel-client-secret': SECRET,
        'openpanel-client-ip': '198.51.100.4',
        'content-type': 'application/json',
      }),
      params: {},
      body: { JSON: { type: 'track', payload: { name: 'Signed Up', profileId: 'u1' } }, JSON_ARRAY: {}, XML: {}, FORM: {} },
      files: {},
    });
  });

  it('processRouterDest keeps order, membership and metadata, and reports each failure on its own event', async () => {
    const outputs = await processRouterDest([
      input({ type: 'group', userId: 'router-user', groupId: 'org_1', traits: { name: 'Org One' } }, 10),
      input({ type: 'track', userId: 'router-user', event: 'session_start' }, 11),
      input({ type: 'track', userId: 'router-user', event: 'Report Exported' }, 12),
      input({ type: 'alias', userId: 'router-user', previousId: 'old-id' }, 13),
      input({ type: 'track', userId: 'router-user', event: 'Ignored' }, 14),
    ]);
    expect(outputs.map((o) => [o.metadata, o.statusCode])).toEqual([
      [[{ jobId: 10 }], 200],
      [[{ jobId: 11 }], 400],
      [[{ jobId: 12 }], 200],
      [[{ jobId: 13 }], 298],
      [[{ jobId: 14 }], 298],
    ]);
    const [group, rejected, track] = outputs;
    expect(group && 'batchedRequest' in group && Array.isArray(group.batchedRequest) && group.batchedRequest.map((r) => r.body.JSON)).toEqual([
      { type: 'group', payload: { id: 'org_1', type: 'company', name: 'Org One' } },
      { type: 'assign_group', payload: { groupIds: ['org_1'], profileId: 'router-user' } },
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
    const bad = { ID: 'dest-bad', Config: { clientId: 'not-a-uuid', clientSecret: SECRET, concurrency: 'many' } };
    const [output] = await processRouterDest([{ message: { type: 'track', userId: 'u', event: 'x' }, destination: bad, metadata: { jobId: 1 } }]);
    expect(output).toMatchObject({ statusCode: 400, statTags: { errorCategory: 'dataValidation', errorType: 'configuration' } });
    const error = output && 'error' in output ? output.error : '';
    expect(error).toContain('clientId: must be a UUID');
    expect(error).toContain('concurrency: must be a number');
    expect(error).not.toContain(SECRET);
  });
});

import { RouterTransformationResponse } from '../../../../../src/types';
import { RouterTestData } from '../../../testTypes';
import { destination, destType, metadata, openPanelRequest, statTags, timestamp, userAgent } from '../common';

const web = { userAgent, ip: '198.51.100.4' };

const routerCase = (id: string, description: string, messages: Record<string, unknown>[], output: unknown[]): RouterTestData => ({
  id: `openpanel-router-${id}`,
  name: destType,
  description,
  scenario: 'Framework',
  successCriteria: 'One output per event, in order, each with its own metadata',
  feature: 'router',
  module: 'destination',
  version: 'v0',
  input: {
    request: {
      method: 'POST',
      body: { input: messages.map((message, i) => ({ message, destination, metadata: metadata(i + 1) })), destType },
    },
  },
  output: { response: { status: 200, body: { output: output as RouterTransformationResponse[] } } },
});

const delivered = (jobId: number, batchedRequest: unknown) => ({ batchedRequest, metadata: [metadata(jobId)], batched: false, statusCode: 200, destination });
const failed = (jobId: number, error: string) => ({
  metadata: [metadata(jobId)],
  batched: false,
  statusCode: 400,
  error,
  statTags: statTags('router', 'instrumentation'),
  destination,
});

export const data: RouterTestData[] = [
  routerCase(
    'every-type',
    'identify, group, track, page and screen of one user in order: later events carry the group the user joined',
    [
      { type: 'identify', userId: 'rt-user-1', anonymousId: 'rt-anon-1', traits: { email: 'grace@example.com', name: 'Grace Hopper' }, context: web, originalTimestamp: timestamp },
      { type: 'group', userId: 'rt-user-1', groupId: 'rt-acme', traits: { name: 'Acme Router', type: 'workspace' }, originalTimestamp: timestamp },
      { type: 'track', userId: 'rt-user-1', event: 'Project Created', properties: { template: 'blank' }, context: web, originalTimestamp: timestamp },
      { type: 'page', userId: 'rt-user-1', name: 'Dashboard', properties: { url: 'https://app.example.com/dashboard' }, context: web, originalTimestamp: timestamp },
      { type: 'screen', userId: 'rt-user-1', name: 'Projects', originalTimestamp: timestamp },
    ],
    [
      delivered(
        1,
        openPanelRequest(
          'rt-user-1',
          { type: 'identify', payload: { profileId: 'rt-user-1', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' } },
          web,
        ),
      ),
      delivered(2, [
        openPanelRequest('rt-user-1', { type: 'group', payload: { id: 'rt-acme', type: 'workspace', name: 'Acme Router' } }),
        openPanelRequest('rt-user-1', { type: 'assign_group', payload: { groupIds: ['rt-acme'], profileId: 'rt-user-1' } }),
      ]),
      delivered(
        3,
        openPanelRequest(
          'rt-user-1',
          { type: 'track', payload: { name: 'Project Created', profileId: 'rt-user-1', properties: { template: 'blank', __timestamp: timestamp }, groups: ['rt-acme'] } },
          web,
        ),
      ),
      delivered(
        4,
        openPanelRequest(
          'rt-user-1',
          {
            type: 'track',
            payload: {
              name: 'screen_view',
              profileId: 'rt-user-1',
              properties: { __path: 'https://app.example.com/dashboard', __title: 'Dashboard', __timestamp: timestamp },
              groups: ['rt-acme'],
            },
          },
          web,
        ),
      ),
      delivered(
        5,
        openPanelRequest('rt-user-1', {
          type: 'track',
          payload: { name: 'screen_view', profileId: 'rt-user-1', properties: { __path: 'Projects', __title: 'Projects', __timestamp: timestamp }, groups: ['rt-acme'] },
        }),
      ),
    ],
  ),
  routerCase(
    'failures-on-their-own-events',
    'alias, a denylisted event and a reserved name fail on their own events; the events around them are delivered',
    [
      { type: 'track', userId: 'rt-user-2', event: 'Signed Up', originalTimestamp: timestamp },
      { type: 'alias', userId: 'rt-user-2', previousId: 'rt-anon-2', originalTimestamp: timestamp },
      { type: 'track', userId: 'rt-user-2', event: 'Internal Debug', originalTimestamp: timestamp },
      { type: 'track', userId: 'rt-user-2', event: 'session_end', originalTimestamp: timestamp },
      { type: 'track', userId: 'rt-user-2', event: 'Trial Started', originalTimestamp: timestamp },
    ],
    [
      delivered(1, openPanelRequest('rt-user-2', { type: 'track', payload: { name: 'Signed Up', profileId: 'rt-user-2', properties: { __timestamp: timestamp } } })),
      failed(2, 'alias is not supported by OpenPanel (no request sent); no groups to merge'),
      failed(3, 'event "Internal Debug" is in blacklistedEvents'),
      failed(4, 'event: "session_end" is reserved by OpenPanel'),
      delivered(5, openPanelRequest('rt-user-2', { type: 'track', payload: { name: 'Trial Started', profileId: 'rt-user-2', properties: { __timestamp: timestamp } } })),
    ],
  ),
];

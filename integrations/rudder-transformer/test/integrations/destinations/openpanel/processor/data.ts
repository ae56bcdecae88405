import { ProcessorTransformationResponse } from '../../../../../src/types';
import { ProcessorTestData } from '../../../testTypes';
import { destination, destType, metadata, openPanelRequest, statTags, timestamp, userAgent } from '../common';

const web = { userAgent, ip: '203.0.113.7' };

/** One processor call with one event; `output` is the expected response body. */
const processorCase = (id: string, description: string, message: Record<string, unknown>, status: number, body: unknown[], dest = destination): ProcessorTestData => ({
  id: `openpanel-processor-${id}`,
  name: destType,
  description,
  scenario: 'Framework',
  successCriteria: status === 200 ? 'Each OpenPanel request is returned with status 200' : 'The event fails with its reason and statTags',
  feature: 'processor',
  module: 'destination',
  version: 'v0',
  input: { request: { method: 'POST', body: [{ message, destination: dest, metadata: metadata(1) }] } },
  output: { response: { status: 200, body: body as ProcessorTransformationResponse[] } },
});

const ok = (outputs: unknown[]) => outputs.map((output) => ({ output, metadata: metadata(1), statusCode: 200 }));
const failed = (error: string, errorType: 'instrumentation' | 'configuration') => [
  { metadata: metadata(1), statusCode: 400, error, statTags: statTags('processor', errorType) },
];

export const data: ProcessorTestData[] = [
  processorCase(
    'identify',
    'identify: a profile with name and email; other traits as properties; user agent and IP as headers',
    {
      type: 'identify',
      userId: 'proc-user-1',
      anonymousId: 'proc-anon-1',
      traits: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', plan: 'pro' },
      context: { ...web, traits: {} },
      originalTimestamp: timestamp,
      messageId: 'proc-identify-1',
    },
    200,
    ok([
      openPanelRequest(
        'proc-user-1',
        { type: 'identify', payload: { profileId: 'proc-user-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', properties: { plan: 'pro' } } },
        web,
      ),
    ]),
  ),
  processorCase(
    'group',
    'group: the group is upserted (type from the default group type, a cleared field) and the user assigned to it',
    { type: 'group', userId: 'proc-user-2', groupId: 'proc-acme', traits: { name: 'Acme Inc', plan: 'enterprise' }, originalTimestamp: timestamp },
    200,
    ok([
      openPanelRequest('proc-user-2', { type: 'group', payload: { id: 'proc-acme', type: 'company', name: 'Acme Inc', properties: { plan: 'enterprise' } } }),
      openPanelRequest('proc-user-2', { type: 'assign_group', payload: { groupIds: ['proc-acme'], profileId: 'proc-user-2' } }),
    ]),
  ),
  processorCase(
    'track',
    'track: name, profile, properties, event time and device id; per-event groups from properties.groups',
    {
      type: 'track',
      userId: 'proc-user-3',
      anonymousId: 'proc-anon-3',
      event: 'Report Exported',
      properties: { format: 'csv', groups: ['proc-team-1'] },
      context: web,
      originalTimestamp: timestamp,
    },
    200,
    ok([
      openPanelRequest(
        'proc-user-3',
        {
          type: 'track',
          payload: {
            name: 'Report Exported',
            profileId: 'proc-user-3',
            properties: { format: 'csv', __timestamp: timestamp, __deviceId: 'proc-anon-3' },
            groups: ['proc-team-1'],
          },
        },
        web,
      ),
    ]),
  ),
  processorCase(
    'page',
    'page: a screen_view whose URL, title and referrer become OpenPanel\'s __path, __title and __referrer',
    {
      type: 'page',
      anonymousId: 'proc-anon-4',
      name: 'Pricing',
      properties: { url: 'https://example.com/pricing?plan=team', title: 'Pricing - Example', referrer: 'https://news.example.org/' },
      context: web,
      originalTimestamp: timestamp,
    },
    200,
    ok([
      openPanelRequest(
        'proc-anon-4',
        {
          type: 'track',
          payload: {
            name: 'screen_view',
            properties: {
              __path: 'https://example.com/pricing?plan=team',
              __referrer: 'https://news.example.org/',
              __title: 'Pricing - Example',
              __timestamp: timestamp,
              __deviceId: 'proc-anon-4',
            },
          },
        },
        web,
      ),
    ]),
  ),
  processorCase(
    'screen',
    'screen: a screen_view whose path and title are the screen name',
    { type: 'screen', userId: 'proc-user-5', name: 'Settings', context: web, originalTimestamp: timestamp },
    200,
    ok([
      openPanelRequest(
        'proc-user-5',
        { type: 'track', payload: { name: 'screen_view', profileId: 'proc-user-5', properties: { __path: 'Settings', __title: 'Settings', __timestamp: timestamp } } },
        web,
      ),
    ]),
  ),
  processorCase(
    'alias',
    'alias: OpenPanel has no alias call, so it is an instrumentation error (membership still merges)',
    { type: 'alias', userId: 'proc-user-6', previousId: 'proc-anon-6', originalTimestamp: timestamp },
    400,
    failed('alias is not supported by OpenPanel (no request sent); no groups to merge', 'instrumentation'),
  ),
  processorCase(
    'reserved-name',
    'track named session_start: OpenPanel reserves the name, so the event is rejected naming the field and rule',
    { type: 'track', userId: 'proc-user-7', event: 'session_start', originalTimestamp: timestamp },
    400,
    failed('event: "session_start" is reserved by OpenPanel', 'instrumentation'),
  ),
  processorCase(
    'denylisted',
    'track on the denylist (rudder-server not announcing filter-code): an instrumentation error, never a 2xx without output',
    { type: 'track', userId: 'proc-user-8', event: 'Internal Debug', originalTimestamp: timestamp },
    400,
    failed('event "Internal Debug" is in blacklistedEvents', 'instrumentation'),
  ),
  processorCase(
    'bad-config',
    'a client ID that is not a UUID: a configuration error naming the key, without the secret',
    { type: 'track', userId: 'proc-user-9', event: 'Signed Up', originalTimestamp: timestamp },
    400,
    failed('invalid OpenPanel destination config: clientId: must be a UUID', 'configuration'),
    { ...destination, ID: 'openpanel-bad-config', Config: { ...destination.Config, clientId: 'project-1' } },
  ),
];

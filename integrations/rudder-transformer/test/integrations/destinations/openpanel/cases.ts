// OpenPanel's component cases as plain data (no imports): rudder-transformer's harness reads them through
// processor/data.ts and router/data.ts, and openpanel-destination's own jest suite runs the same cases through its
// exported process/processRouterDest (test/unit/rudderstack/harness-cases.test.ts), so a mapping change that drifts
// from them fails in its own CI. Requests and metadata are spelled out as the harness's transformResultBuilder and
// generateMetadata build them.

/** A case in the harness's shape (its ProcessorTestData / RouterTestData). */
export interface Case<Body, Output> {
  id: string;
  name: string;
  description: string;
  scenario: string;
  successCriteria: string;
  feature: 'processor' | 'router';
  module: 'destination';
  version: 'v0';
  input: { request: { method: 'POST'; body: Body } };
  output: { response: { status: number; body: Output } };
}
export type Metadata = {
  jobId: number;
  attemptNum: number;
  userId: string;
  sourceId: string;
  destinationId: string;
  workspaceId: string;
  dontBatch: boolean;
};
export type Destination = {
  ID: string;
  Name: string;
  DestinationDefinition: { ID: string; Name: string; DisplayName: string; Config: Record<string, unknown> };
  Config: Record<string, unknown>;
  Enabled: boolean;
  WorkspaceID: string;
  Transformations: [];
};
/** An event as rudder-server sends it (the harness types `type` as the spec's call types). */
export type Message = {
  type: 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';
  [field: string]: unknown;
};
export type TransformerInput = {
  message: Message;
  destination: Destination;
  metadata: Metadata;
};
/** A request for rudder-server to send (the harness's ProcessorTransformationOutput). */
export type RestRequest = ReturnType<typeof openPanelRequest>;
type Failure = { statusCode: number; error: string; statTags: ReturnType<typeof statTags> };
export type ProcessorResponse = { metadata: Metadata } & ({ output: RestRequest; statusCode: number } | Failure);
export type RouterResponse = { metadata: Metadata[]; batched: false; destination: Destination } & (
  { batchedRequest: RestRequest | RestRequest[]; statusCode: number } | Failure
);
export type ProcessorCase = Case<TransformerInput[], ProcessorResponse[]>;
export type RouterCase = Case<{ input: TransformerInput[]; destType: string }, { output: RouterResponse[] }>;

const destType = 'openpanel';
const clientId = '0b3c1d9e-4f5a-4b6c-8d7e-9f0a1b2c3d4e';
const clientSecret = 'sec_component_test';

// Settings as RudderStack's control plane stores the generated form: "" for a cleared field, tags as objects,
// consent rules per source type, connectionMode per source type.
export const destination: Destination = {
  ID: 'openpanel-destination-id',
  Name: 'OPENPANEL',
  DestinationDefinition: { ID: 'openpanel-definition-id', Name: 'OPENPANEL', DisplayName: 'OpenPanel', Config: {} },
  Config: {
    clientId,
    clientSecret,
    apiUrl: 'https://openpanel.example.com/api/',
    defaultGroupType: '',
    pageEventName: 'screen_view',
    screenEventName: 'screen_view',
    deviceIdFromAnonymousId: true,
    revenueEventName: 'Order Completed',
    revenueProperty: 'revenue',
    eventFilteringOption: 'blacklistedEvents',
    whitelistedEvents: [{ eventName: '' }],
    blacklistedEvents: [{ eventName: 'Internal Debug' }],
    consentManagement: { web: [{ provider: 'oneTrust', consents: [{ consent: '' }] }] },
    connectionMode: { web: 'cloud', cloud: 'cloud' },
  },
  Enabled: true,
  WorkspaceID: 'default-workspaceId',
  Transformations: [],
};

const userAgent = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
const timestamp = '2024-03-01T10:00:00.000Z';

/** Headers of every request: client credentials and SDK name, plus the end user's agent and IP when the event has them. */
const headers = (context: { userAgent?: string; ip?: string } = {}) => ({
  'openpanel-client-id': clientId,
  'openpanel-sdk-name': 'openpanel-destination',
  'openpanel-sdk-version': '0.1.0',
  ...(context.userAgent ? { 'user-agent': context.userAgent } : {}),
  ...(context.ip ? { 'openpanel-client-ip': context.ip } : {}),
  'openpanel-client-secret': clientSecret,
  'content-type': 'application/json',
});

/** One POST /track request as rudder-server receives it. */
const openPanelRequest = (userId: string, JSON: Record<string, unknown>, context?: { userAgent?: string; ip?: string }) => ({
  version: '1',
  type: 'REST',
  userId,
  method: 'POST',
  endpoint: 'https://openpanel.example.com/api/track',
  endpointPath: '/track',
  headers: headers(context),
  params: {},
  body: { JSON, JSON_ARRAY: {}, XML: {}, FORM: {} },
  files: {},
});

/** The harness's default job metadata (rudder-transformer puts its destination and workspace ids into statTags). */
const metadata = (jobId: number): Metadata => ({
  jobId,
  attemptNum: 1,
  userId: 'default-userId',
  sourceId: 'default-sourceId',
  destinationId: 'default-destinationId',
  workspaceId: 'default-workspaceId',
  dontBatch: false,
});

/** An error's statTags as rudder-transformer completes them: our category and type, its own tags around them. */
const statTags = (feature: 'processor' | 'router', errorType: 'instrumentation' | 'configuration') => ({
  destType: 'OPENPANEL',
  destinationId: 'default-destinationId',
  workspaceId: 'default-workspaceId',
  errorCategory: 'dataValidation',
  errorType,
  feature,
  implementation: 'native',
  module: 'destination',
});

// Processor: one event per call.
const processorWeb = { userAgent, ip: '203.0.113.7' };

/** One processor call with one event; `output` is the expected response body. */
const processorCase = (id: string, description: string, message: Message, status: number, body: ProcessorResponse[], dest = destination): ProcessorCase => ({
  id: `openpanel-processor-${id}`,
  name: destType,
  description,
  scenario: 'Framework',
  successCriteria: status === 200 ? 'Each OpenPanel request is returned with status 200' : 'The event fails with its reason and statTags',
  feature: 'processor',
  module: 'destination',
  version: 'v0',
  input: { request: { method: 'POST', body: [{ message, destination: dest, metadata: metadata(1) }] } },
  output: { response: { status: 200, body } },
});

const processed = (outputs: RestRequest[]): ProcessorResponse[] => outputs.map((output) => ({ output, metadata: metadata(1), statusCode: 200 }));
const processorFailure = (error: string, errorType: 'instrumentation' | 'configuration'): ProcessorResponse[] => [
  { metadata: metadata(1), statusCode: 400, error, statTags: statTags('processor', errorType) },
];

export const processorCases: ProcessorCase[] = [
  processorCase(
    'identify',
    'identify: a profile with name and email; other traits as properties; user agent and IP as headers',
    {
      type: 'identify',
      userId: 'proc-user-1',
      anonymousId: 'proc-anon-1',
      traits: { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', plan: 'pro' },
      context: { ...processorWeb, traits: {} },
      originalTimestamp: timestamp,
      messageId: 'proc-identify-1',
    },
    200,
    processed([
      openPanelRequest(
        'proc-user-1',
        {
          type: 'identify',
          payload: { profileId: 'proc-user-1', firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com', properties: { plan: 'pro' } },
        },
        processorWeb,
      ),
    ]),
  ),
  processorCase(
    'group',
    'group: the group is upserted (type from the default group type, a cleared field) and the user assigned to it',
    { type: 'group', userId: 'proc-user-2', groupId: 'proc-acme', traits: { name: 'Acme Inc', plan: 'enterprise' }, originalTimestamp: timestamp },
    200,
    processed([
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
      context: processorWeb,
      originalTimestamp: timestamp,
    },
    200,
    processed([
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
        processorWeb,
      ),
    ]),
  ),
  processorCase(
    'page',
    "page: a screen_view whose URL, title and referrer become OpenPanel's __path, __title and __referrer",
    {
      type: 'page',
      anonymousId: 'proc-anon-4',
      name: 'Pricing',
      properties: { url: 'https://example.com/pricing?plan=team', title: 'Pricing - Example', referrer: 'https://news.example.org/' },
      context: processorWeb,
      originalTimestamp: timestamp,
    },
    200,
    processed([
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
        processorWeb,
      ),
    ]),
  ),
  processorCase(
    'screen',
    'screen: a screen_view whose path and title are the screen name',
    { type: 'screen', userId: 'proc-user-5', name: 'Settings', context: processorWeb, originalTimestamp: timestamp },
    200,
    processed([
      openPanelRequest(
        'proc-user-5',
        {
          type: 'track',
          payload: { name: 'screen_view', profileId: 'proc-user-5', properties: { __path: 'Settings', __title: 'Settings', __timestamp: timestamp } },
        },
        processorWeb,
      ),
    ]),
  ),
  processorCase(
    'web-track',
    'track from a browser: the page URL (with the campaign as utm_* parameters) and referrer from context.page, a trimmed IP, a "YYYY-MM-DD HH:mm:ss" (UTC) timestamp',
    {
      type: 'track',
      userId: 'proc-user-10',
      anonymousId: 'proc-anon-10',
      event: 'Plan Selected',
      properties: { plan: 'team' },
      context: {
        userAgent,
        ip: ' 203.0.113.7 ',
        page: { url: 'https://example.com/pricing?ref=nav', referrer: 'https://www.google.com/', title: 'Pricing' },
        campaign: { source: 'newsletter', medium: 'email', name: 'spring' },
      },
      timestamp: '2024-03-01 10:00:00',
    },
    200,
    processed([
      openPanelRequest(
        'proc-user-10',
        {
          type: 'track',
          payload: {
            name: 'Plan Selected',
            profileId: 'proc-user-10',
            properties: {
              plan: 'team',
              __path: 'https://example.com/pricing?ref=nav&utm_source=newsletter&utm_medium=email&utm_campaign=spring',
              __referrer: 'https://www.google.com/',
              __timestamp: timestamp,
              __deviceId: 'proc-anon-10',
            },
          },
        },
        processorWeb,
      ),
    ]),
  ),
  processorCase(
    'revenue',
    'a commerce event matching the revenue event name in another spelling: the track, then a revenue event with the amount (from total, a string) in cents; epoch-millisecond time',
    {
      type: 'track',
      userId: 'proc-user-11',
      event: 'order_completed',
      properties: { total: '49.90', currency: 'EUR', order_id: 'o-1' },
      originalTimestamp: Date.parse(timestamp),
    },
    200,
    processed(
      ['order_completed', 'revenue'].map((name) =>
        openPanelRequest('proc-user-11', {
          type: 'track',
          payload: {
            name,
            profileId: 'proc-user-11',
            properties: { total: '49.90', currency: 'EUR', order_id: 'o-1', __timestamp: timestamp, ...(name === 'revenue' ? { __revenue: 4990 } : {}) },
          },
        }),
      ),
    ),
  ),
  processorCase(
    'mobile-screen',
    'screen from an iOS app without a user agent: the name from properties.name, a WebView user agent built from the OS so OpenPanel counts a device, OS and device model as properties',
    {
      type: 'screen',
      userId: 'proc-user-12',
      anonymousId: 'proc-anon-12',
      properties: { name: 'Home' },
      context: { os: { name: 'iOS', version: '17.2' }, device: { model: 'iPhone15,2', manufacturer: 'Apple' }, app: { name: 'Example', version: '2.1.0' } },
      originalTimestamp: timestamp,
    },
    200,
    processed([
      openPanelRequest(
        'proc-user-12',
        {
          type: 'track',
          payload: {
            name: 'screen_view',
            profileId: 'proc-user-12',
            properties: {
              __path: 'Home',
              __title: 'Home',
              __timestamp: timestamp,
              __deviceId: 'proc-anon-12',
              __os: 'iOS',
              __osVersion: '17.2',
              __brand: 'Apple',
              __model: 'iPhone15,2',
            },
          },
        },
        { userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148' },
      ),
    ]),
  ),
  processorCase(
    'identify-name-variants',
    'identify with lower-case firstname/lastname, an avatar URL and the email in context.traits',
    {
      type: 'identify',
      userId: 'proc-user-13',
      traits: { firstname: 'Katherine', lastname: 'Johnson', avatar: 'https://example.com/k.png' },
      context: { traits: { email: 'kj@example.com' } },
      originalTimestamp: timestamp,
    },
    200,
    processed([
      openPanelRequest('proc-user-13', {
        type: 'identify',
        payload: { profileId: 'proc-user-13', firstName: 'Katherine', lastName: 'Johnson', email: 'kj@example.com', avatar: 'https://example.com/k.png' },
      }),
    ]),
  ),
  processorCase(
    'alias',
    'alias: OpenPanel has no alias call, so it is an instrumentation error (membership still merges)',
    { type: 'alias', userId: 'proc-user-6', previousId: 'proc-anon-6', originalTimestamp: timestamp },
    400,
    processorFailure('alias is not supported by OpenPanel (no request sent); no groups to merge', 'instrumentation'),
  ),
  processorCase(
    'reserved-name',
    'track named session_start: OpenPanel reserves the name, so the event is rejected naming the field and rule',
    { type: 'track', userId: 'proc-user-7', event: 'session_start', originalTimestamp: timestamp },
    400,
    processorFailure('event: "session_start" is reserved by OpenPanel', 'instrumentation'),
  ),
  processorCase(
    'denylisted',
    'track on the denylist (rudder-server not announcing filter-code): an instrumentation error, never a 2xx without output',
    { type: 'track', userId: 'proc-user-8', event: 'Internal Debug', originalTimestamp: timestamp },
    400,
    processorFailure('event "Internal Debug" is in blacklistedEvents', 'instrumentation'),
  ),
  processorCase(
    'bad-config',
    'a client ID that is not a UUID: a configuration error naming the key, without the secret',
    { type: 'track', userId: 'proc-user-9', event: 'Signed Up', originalTimestamp: timestamp },
    400,
    processorFailure('invalid OpenPanel destination config: clientId: must be a UUID', 'configuration'),
    { ...destination, ID: 'openpanel-bad-config', Config: { ...destination.Config, clientId: 'project-1' } },
  ),
];

// Router: one user's events in order.
const routerWeb = { userAgent, ip: '198.51.100.4' };

const routerCase = (id: string, description: string, messages: Message[], output: RouterResponse[]): RouterCase => ({
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
  output: { response: { status: 200, body: { output } } },
});

const delivered = (jobId: number, batchedRequest: RestRequest | RestRequest[]): RouterResponse => ({
  batchedRequest,
  metadata: [metadata(jobId)],
  batched: false,
  statusCode: 200,
  destination,
});
const routerFailure = (jobId: number, error: string): RouterResponse => ({
  metadata: [metadata(jobId)],
  batched: false,
  statusCode: 400,
  error,
  statTags: statTags('router', 'instrumentation'),
  destination,
});

export const routerCases: RouterCase[] = [
  routerCase(
    'every-type',
    'identify, group, track, page and screen of one user in order: later events carry the group the user joined',
    [
      {
        type: 'identify',
        userId: 'rt-user-1',
        anonymousId: 'rt-anon-1',
        traits: { email: 'grace@example.com', name: 'Grace Hopper' },
        context: routerWeb,
        originalTimestamp: timestamp,
      },
      { type: 'group', userId: 'rt-user-1', groupId: 'rt-acme', traits: { name: 'Acme Router', type: 'workspace' }, originalTimestamp: timestamp },
      { type: 'track', userId: 'rt-user-1', event: 'Project Created', properties: { template: 'blank' }, context: routerWeb, originalTimestamp: timestamp },
      {
        type: 'page',
        userId: 'rt-user-1',
        name: 'Dashboard',
        properties: { url: 'https://app.example.com/dashboard' },
        context: routerWeb,
        originalTimestamp: timestamp,
      },
      { type: 'screen', userId: 'rt-user-1', name: 'Projects', originalTimestamp: timestamp },
    ],
    [
      delivered(
        1,
        openPanelRequest(
          'rt-user-1',
          { type: 'identify', payload: { profileId: 'rt-user-1', firstName: 'Grace', lastName: 'Hopper', email: 'grace@example.com' } },
          routerWeb,
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
          {
            type: 'track',
            payload: { name: 'Project Created', profileId: 'rt-user-1', properties: { template: 'blank', __timestamp: timestamp }, groups: ['rt-acme'] },
          },
          routerWeb,
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
          routerWeb,
        ),
      ),
      delivered(
        5,
        openPanelRequest('rt-user-1', {
          type: 'track',
          payload: {
            name: 'screen_view',
            profileId: 'rt-user-1',
            properties: { __path: 'Projects', __title: 'Projects', __timestamp: timestamp },
            groups: ['rt-acme'],
          },
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
      delivered(
        1,
        openPanelRequest('rt-user-2', { type: 'track', payload: { name: 'Signed Up', profileId: 'rt-user-2', properties: { __timestamp: timestamp } } }),
      ),
      routerFailure(2, 'alias is not supported by OpenPanel (no request sent); no groups to merge'),
      routerFailure(3, 'event "Internal Debug" is in blacklistedEvents'),
      routerFailure(4, 'event: "session_end" is reserved by OpenPanel'),
      delivered(
        5,
        openPanelRequest('rt-user-2', { type: 'track', payload: { name: 'Trial Started', profileId: 'rt-user-2', properties: { __timestamp: timestamp } } }),
      ),
    ],
  ),
];

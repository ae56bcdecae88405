import { Destination } from '../../../../src/types';
import { generateMetadata, transformResultBuilder } from '../../testUtils';

export const destType = 'openpanel';
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

export const userAgent =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';
export const timestamp = '2024-03-01T10:00:00.000Z';

/** Headers of every request: client credentials and SDK name, plus the end user's agent and IP when the event has them. */
export const headers = (context: { userAgent?: string; ip?: string } = {}) => ({
  'openpanel-client-id': clientId,
  'openpanel-sdk-name': 'openpanel-destination',
  'openpanel-sdk-version': '0.1.0',
  ...(context.userAgent ? { 'user-agent': context.userAgent } : {}),
  ...(context.ip ? { 'openpanel-client-ip': context.ip } : {}),
  'openpanel-client-secret': clientSecret,
  'content-type': 'application/json',
});

/** One POST /track request as rudder-server receives it. */
export const openPanelRequest = (userId: string, JSON: Record<string, unknown>, context?: { userAgent?: string; ip?: string }) =>
  transformResultBuilder({
    endpoint: 'https://openpanel.example.com/api/track',
    endpointPath: '/track',
    userId,
    headers: headers(context),
    JSON,
  });

export const metadata = (jobId: number) => generateMetadata(jobId);

/** An error's statTags as rudder-transformer completes them: our category and type, its own tags around them. */
export const statTags = (feature: 'processor' | 'router', errorType: 'instrumentation' | 'configuration') => ({
  destType: 'OPENPANEL',
  destinationId: 'default-destinationId',
  workspaceId: 'default-workspaceId',
  errorCategory: 'dataValidation',
  errorType,
  feature,
  implementation: 'native',
  module: 'destination',
});

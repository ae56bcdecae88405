export { createDestination, type Destination, type DestinationOptions } from './entry/library/destination.js';
export { configSchema, destinationConfigSchema, runtimeConfigSchema, type DestinationConfig, type DestinationConfigInput } from './config/schema.js';
export type { OpenPanelRequest, OpenPanelBody } from './openpanel/contract.js';
export type { TransformResult } from './transform/result.js';
export type { EventOutcome, OutcomeStatus } from './delivery/outcome.js';
export type { MembershipStore, GroupAssignment } from './membership/store.js';
export { process, processRouterDest, FilteredEventError, type ProcessorInput, type RestRequest, type RouterOutput, type RudderDestination } from './entry/rudderstack/transformer-api.js';
export { normalizeConfigInput } from './config/normalize.js';

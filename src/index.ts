export { createDestination, QueueFullError, type AcceptOutcome, type Destination, type DestinationOptions, type SendOptions } from './entry/library/destination.js';
export { configSchema, type DestinationConfig, type DestinationConfigInput } from './config/schema.js';
export type { OpenPanelRequest, OpenPanelBody } from './openpanel/contract.js';
export type { TransformResult } from './transform/result.js';
export type { EventOutcome, OutcomeStatus } from './delivery/outcome.js';
export type { AttemptReport, DeliveryHealth, DeliveryObserver } from './delivery/deliverer.js';
export type { Outbox, OutboxStats } from './delivery/outbox.js';
export type { MembershipStore, GroupAssignment } from './membership/store.js';
export { process, processRouterDest, type ProcessorInput, type RestRequest, type RouterOutput } from './entry/rudderstack/transformer-api.js';

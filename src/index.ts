import type { DestinationConfigInput } from './config/schema.js';
import { createDestination as create, type CheckedDestination, type DestinationOptions } from './entry/library/destination.js';

/** The library entry point (README "Library"): events typed as the spec's shapes, so TypeScript checks them. */
export const createDestination: (config: DestinationConfigInput, options?: DestinationOptions) => CheckedDestination = create;
export {
  QueueFullError,
  type AcceptOutcome,
  type CheckedDestination as Destination,
  type DestinationOptions,
  type SendOptions,
} from './entry/library/destination.js';
export type {
  AliasEventInput as AliasEvent,
  CdpEventInput as SpecEvent,
  GroupEventInput as GroupEvent,
  IdentifyEventInput as IdentifyEvent,
  PageEventInput as PageEvent,
  ScreenEventInput as ScreenEvent,
  TrackEventInput as TrackEvent,
} from './events/schema.js';
export { configSchema, destinationConfigSchema, runtimeConfigSchema, type DestinationConfig, type DestinationConfigInput } from './config/schema.js';
export type { OpenPanelRequest, OpenPanelBody } from './openpanel/contract.js';
export type { TransformResult } from './transform/result.js';
export type { EventOutcome, OutcomeStatus } from './delivery/outcome.js';
export type { AttemptReport, DeliveryHealth, DeliveryObserver, TakenEvent } from './delivery/deliverer.js';
export type { FinalOutcome, Outbox, OutboxRequest, OutboxStats } from './delivery/outbox.js';
export type { MembershipStore, GroupAssignment } from './membership/store.js';
export {
  process,
  processRouterDest,
  useStore,
  FilteredEventError,
  type ProcessorInput,
  type RestRequest,
  type RouterOutput,
  type RudderDestination,
} from './entry/rudderstack/transformer-api.js';
export { normalizeConfigInput } from './config/normalize.js';
export { StoreUnavailableError } from './state/state-error.js';

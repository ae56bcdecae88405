import type { DestinationConfig } from '../config/schema.js';
import type { Mappings } from '../mapping/load.js';
import type { MembershipStore } from '../membership/store.js';
import type { OpenPanelBody, OpenPanelRequest } from '../openpanel/contract.js';
import type { CdpEvent } from '../events/schema.js';

/** What a per-type transform may use: config, mappings, membership, and the event's own time and headers. */
export interface TransformContext {
  config: DestinationConfig;
  mappings: Mappings;
  membership: MembershipStore;
  /** Client headers plus the end-user headers mapped from this event. */
  headers: Record<string, string>;
  /** Event time in ms (timestamp ?? originalTimestamp, else the time it was received). */
  at: number;
  /** Membership key: userId, else anonymousId. */
  userKey: string;
}

/** A per-type transform answers requests to send, or why none are needed (outcome `skipped`). */
export type TypeTransform<E extends CdpEvent> = (event: E, ctx: TransformContext) => Promise<OpenPanelRequest[] | { skip: string }>;

export const request = (ctx: TransformContext, body: OpenPanelBody): OpenPanelRequest => ({ headers: ctx.headers, body });

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
  /** Event time in ms (timestamp ?? originalTimestamp ?? sentAt, else the time it was received). */
  at: number;
  /** When the event was received (ms): its receivedAt, else now. */
  receivedAt: number;
  /** Membership key: userId, else anonymousId. */
  userKey: string;
  /** Whether the outbox took this event's `request` already (a re-sent event): delivered, superseded or queued. */
  taken(request: OpenPanelRequest): Promise<boolean>;
  /** Records a group upsert that changes nothing (TransformResult.unchanged). */
  unchanged(request: OpenPanelRequest): void;
}

/** A per-type transform answers requests to send, or why none are needed (outcome `skipped`). */
export type TypeTransform<E extends CdpEvent> = (event: E, ctx: TransformContext) => Promise<OpenPanelRequest[] | { skip: string }>;

export const request = (ctx: TransformContext, body: OpenPanelBody): OpenPanelRequest => ({ headers: ctx.headers, body });

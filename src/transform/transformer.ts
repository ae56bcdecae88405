import { InstrumentationError } from '../errors.js';
import type { DestinationConfig } from '../config/schema.js';
import { loadMappings, type Mappings } from '../mapping/load.js';
import type { MembershipStore } from '../membership/store.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';
import { clientHeaders } from '../openpanel/client-headers.js';
import type { CdpEvent } from '../events/schema.js';
import { parseEvent, rawMessageId } from '../events/parse-event.js';
import { wellFormed } from '../events/well-formed.js';
import { transformAlias } from './alias.js';
import type { TransformContext, TypeTransform } from './context.js';
import { integrationsSkipReason } from './filter.js';
import { transformGroup } from './group.js';
import { transformIdentify } from './identify.js';
import { transformPage } from './page.js';
import type { TransformResult } from './result.js';
import { transformScreen } from './screen.js';
import { transformTrack } from './track.js';

const transforms: { [T in CdpEvent['type']]: TypeTransform<Extract<CdpEvent, { type: T }>> } = {
  track: transformTrack,
  page: transformPage,
  screen: transformScreen,
  identify: transformIdentify,
  group: transformGroup,
  alias: transformAlias,
};

export interface TransformerDeps {
  config: DestinationConfig;
  membership: MembershipStore;
  mappings?: Mappings;
  /** Receive time for events without a timestamp. */
  now?: () => number;
  /**
   * Whether a request key was already taken by the outbox (delivered, superseded or queued): a re-sent group
   * call's upsert then changes neither the group's state nor what is sent. Absent: none was (a dry run).
   */
  taken?: (messageId: string, request: OpenPanelRequest) => Promise<boolean>;
  /**
   * Intake (serve, the library, send): an event without receivedAt gets it, now. The transformer routes leave
   * events as rudder-server sends them (it stamps receivedAt itself).
   */
  stampReceivedAt?: boolean;
  /** The messageId the caller files an event without one under (the library's content id). */
  messageIdOf?: (input: unknown) => string;
}

/** When the event reached us: its receivedAt (stamped at intake, README "Event time"), else now. */
const receiveTime = (event: CdpEvent, now: () => number): number => (event.receivedAt === undefined ? now() : Date.parse(event.receivedAt));

/** Event time in ms: timestamp ?? originalTimestamp ?? sentAt (Segment's order; already parsed to ISO), else the receive time. */
function eventTime(event: CdpEvent, receivedAt: number): number {
  const iso = event.timestamp ?? event.originalTimestamp ?? event.sentAt;
  return iso === undefined ? receivedAt : Date.parse(iso);
}

/**
 * Client headers plus the event's end-user ones; events without any share one headers object (never mutated).
 * Object.assign, not spread: V8 copies these hyphenated keys through a slow path with spread (about 15x here).
 */
function endUserHeaders(base: Record<string, string>, endUser: Record<string, string>): Record<string, string> {
  for (const _ in endUser) return Object.assign({}, base, endUser);
  return base;
}

/** `unchanged` in its place after userKey (the order the CLI prints); rare, so the copy costs nothing overall. */
const withUnchanged = ({ index, messageId, userKey, ...rest }: TransformResult, unchanged: OpenPanelRequest[]): TransformResult => ({
  index,
  messageId,
  userKey,
  unchanged,
  ...rest,
});

/** `storable`: the caller found the JSON text `raw` was parsed from free of text no store can keep (`storableJson`). */
export type TransformEvent = (raw: unknown, index: number, storable?: boolean) => Promise<TransformResult>;

/**
 * validate -> filter -> map (with membership) for one raw event. Membership reads and writes happen here, so
 * callers must transform one user's events in input order (they do: one at a time, in order).
 */
export function createTransformer({
  config,
  membership,
  mappings = loadMappings(),
  now = Date.now,
  taken,
  stampReceivedAt = false,
  messageIdOf,
}: TransformerDeps): TransformEvent {
  const baseHeaders = clientHeaders(config);
  return async (input, index, storable = false) => {
    // Text no store can keep (lone surrogates, NUL) becomes U+FFFD before anything reads the event.
    const { value: raw, replaced } = storable ? { value: input, replaced: undefined } : wellFormed(input);
    const messageId = rawMessageId(raw);
    const parsed = parseEvent(raw);
    if (!parsed.ok) return { index, messageId, status: 'rejected', reason: parsed.reason };
    const { event } = parsed;
    const notes = [...(replaced ? [`text that cannot be stored replaced with U+FFFD in ${replaced.join(', ')}`] : []), ...(parsed.note ? [parsed.note] : [])];
    const note = notes.length > 0 ? notes.join('; ') : undefined;
    const userKey = (event.userId ?? event.anonymousId) as string;
    const skip = integrationsSkipReason(event);
    if (skip) return { index, messageId, userKey, status: 'skipped', reason: skip };
    const receivedAt = receiveTime(event, now);
    // Stamped at intake when absent (README, "Event time"): an event without a time of its own is timed by it.
    // `event` is the parser's own copy, never the caller's object.
    if (stampReceivedAt) event.receivedAt ??= new Date(receivedAt).toISOString();
    const unchanged: OpenPanelRequest[] = [];
    const ctx: TransformContext = {
      config,
      mappings,
      membership,
      headers: endUserHeaders(baseHeaders, mappings.headers.apply(event, config) as Record<string, string>),
      at: eventTime(event, receivedAt),
      receivedAt,
      userKey,
      unchanged: (request) => unchanged.push(request),
      taken: async (request) => {
        const filedAs = messageId ?? messageIdOf?.(input);
        return taken !== undefined && filedAs !== undefined && (await taken(filedAs, request));
      },
    };
    try {
      const out = await (transforms[event.type] as TypeTransform<CdpEvent>)(event, ctx);
      // Built as literals, not spread from a shared base: the spreads cost ~7% of a whole `transform` run.
      const result: TransformResult =
        'skip' in out ? { index, messageId, userKey, status: 'skipped', reason: out.skip } : { index, messageId, userKey, status: 'ok', requests: out };
      if (note !== undefined && result.status === 'ok') result.note = note;
      return unchanged.length > 0 ? withUnchanged(result, unchanged) : result;
    } catch (error) {
      if (error instanceof InstrumentationError) return { index, messageId, userKey, status: 'rejected', reason: error.message };
      throw error;
    }
  };
}

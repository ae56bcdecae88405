import type { DestinationConfig } from '../config/schema.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';

export type DedupeConfig = Pick<DestinationConfig, 'dedupeTtlHours' | 'dedupeMaxIds'>;

/**
 * Requests already delivered, remembered for `dedupeTtlHours` (expiry by time, never by count). OpenPanel has no idempotency key, so
 * this is what keeps a CDP's re-sent batch from becoming duplicate events (docs/outbox.md).
 */
export interface DedupeStore {
  /** The keys among `keys` delivered within the TTL. */
  delivered(keys: string[]): Promise<Set<string>>;
  markDelivered(key: string): Promise<void>;
}

/** Said once when the delivered keys exceed `dedupeMaxIds`: young keys are kept (dropping them would send duplicates). */
export const dedupeCapWarning = (count: number, max: number): string =>
  `warning: ${count} delivered request keys are remembered, more than dedupeMaxIds (${max}); they are kept until dedupeTtlHours expires them (a smaller window, or a larger cap, silences this)`;

function discriminator(request: OpenPanelRequest): string {
  const { body } = request;
  switch (body.type) {
    case 'track':
      return body.payload.name;
    case 'group':
      return body.payload.id;
    case 'assign_group':
      return body.payload.groupIds.join(',');
    case 'identify':
      return String(body.payload.profileId);
  }
}

/**
 * One key per request: `${messageId}:${type}:${discriminator}`, so a re-sent event only sends what was not
 * delivered. A key repeated within one event gets `#n` so both requests are sent.
 */
export function requestKeys(messageId: string, requests: OpenPanelRequest[]): string[] {
  const seen = new Map<string, number>();
  return requests.map((request) => {
    const key = `${messageId}:${request.body.type}:${discriminator(request)}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    return n === 1 ? key : `${key}#${n}`;
  });
}

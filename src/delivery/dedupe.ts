import type { DestinationConfig } from '../config/schema.js';
import type { OpenPanelRequest } from '../openpanel/contract.js';

export type DedupeConfig = Pick<DestinationConfig, 'dedupeTtlHours' | 'dedupeMaxIds'>;

/**
 * Requests already delivered, remembered for a TTL and up to a bound. OpenPanel has no idempotency key, so
 * this is what keeps a CDP's re-sent batch from becoming duplicate events (DESIGN.md section 5).
 */
export interface DedupeStore {
  /** The keys among `keys` delivered within the TTL. */
  delivered(keys: string[]): Promise<Set<string>>;
  markDelivered(key: string): Promise<void>;
}

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

/** In-process store: a Map in delivery order, so the oldest entries are the first to expire or be evicted. */
export class MemoryDedupeStore implements DedupeStore {
  private readonly deliveredAt = new Map<string, number>();
  private readonly ttlMs: number;

  constructor(
    private readonly config: DedupeConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = config.dedupeTtlHours * 3_600_000;
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    const cutoff = this.now() - this.ttlMs;
    return new Set(keys.filter((key) => (this.deliveredAt.get(key) ?? -Infinity) > cutoff));
  }

  async markDelivered(key: string): Promise<void> {
    this.deliveredAt.delete(key);
    this.deliveredAt.set(key, this.now());
    this.evict();
  }

  get size(): number {
    return this.deliveredAt.size;
  }

  private evict(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [key, at] of this.deliveredAt) {
      if (at > cutoff && this.deliveredAt.size <= this.config.dedupeMaxIds) break;
      this.deliveredAt.delete(key);
    }
  }
}

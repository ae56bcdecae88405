import { dedupeCapWarning, type DedupeConfig, type DedupeStore } from '../../delivery/dedupe.js';

/**
 * In-process store: a Map in delivery order, so the oldest keys are the first to expire. Memory is the bound
 * here (nothing is on disk), so beyond `dedupeMaxIds` the oldest keys go, with a warning the first time.
 */
export class MemoryDedupeStore implements DedupeStore {
  private readonly deliveredAt = new Map<string, number>();
  private readonly ttlMs: number;
  private warned = false;

  constructor(
    private readonly config: DedupeConfig,
    private readonly now: () => number = Date.now,
  ) {
    this.ttlMs = config.dedupeTtlHours * 3_600_000;
  }

  async delivered(keys: string[]): Promise<Set<string>> {
    return new Set(keys.filter((key) => this.has(key)));
  }

  has(key: string): boolean {
    return (this.deliveredAt.get(key) ?? -Infinity) > this.now() - this.ttlMs;
  }

  async markDelivered(key: string): Promise<void> {
    this.mark(key);
  }

  /** Synchronous, for the memory outbox. */
  mark(key: string): void {
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
      if (at > cutoff && !this.warned) {
        this.warned = true;
        process.emitWarning(`${dedupeCapWarning(this.deliveredAt.size, this.config.dedupeMaxIds)}; in memory the oldest are dropped: give a dataDir to keep them on disk`);
      }
      this.deliveredAt.delete(key);
    }
  }
}

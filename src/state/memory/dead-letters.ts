import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterStore, NewDeadLetter } from '../../delivery/dead-letters.js';

/** Dead letters in a Map: insertion order is oldest first. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetter>();

  /** Synchronous, so the memory outbox's steps have no await inside (that is what keeps them atomic). */
  addNow(record: NewDeadLetter): string {
    const id = randomUUID();
    this.records.set(id, { ...record, id });
    return id;
  }

  async add(record: NewDeadLetter): Promise<string> {
    return this.addNow(record);
  }

  async list({ limit, afterId }: { limit?: number; afterId?: string } = {}): Promise<DeadLetter[]> {
    return this.listNow(limit, afterId);
  }

  listNow(limit = Infinity, afterId?: string): DeadLetter[] {
    const page: DeadLetter[] = [];
    let started = afterId === undefined;
    for (const [id, record] of this.records) {
      if (page.length >= limit) break;
      if (started) page.push(record);
      else started = id === afterId;
    }
    return page;
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    return this.records.get(id);
  }

  async remove(ids: string[]): Promise<number> {
    return this.removeNow(ids);
  }

  removeNow(ids: string[]): number {
    return ids.filter((id) => this.records.delete(id)).length;
  }

  async count(): Promise<number> {
    return this.records.size;
  }
}

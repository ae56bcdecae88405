import { randomUUID } from 'node:crypto';
import type { DeadLetter, DeadLetterStore, NewDeadLetter } from '../../delivery/dead-letters.js';

/** Dead letters in a Map: insertion order is oldest first. */
export class MemoryDeadLetterStore implements DeadLetterStore {
  private readonly records = new Map<string, DeadLetter>();

  async add(record: NewDeadLetter): Promise<string> {
    const id = randomUUID();
    this.records.set(id, { ...record, id });
    return id;
  }

  async list({ limit = Infinity, afterId }: { limit?: number; afterId?: string } = {}): Promise<DeadLetter[]> {
    const page: DeadLetter[] = [];
    let started = afterId === undefined;
    for (const [id, record] of this.records) {
      if (page.length >= limit) break;
      if (started) page.push(record);
      else started = id === afterId;
    }
    return page;
  }

  async remove(ids: string[]): Promise<number> {
    return ids.filter((id) => this.records.delete(id)).length;
  }

  async count(): Promise<number> {
    return this.records.size;
  }
}

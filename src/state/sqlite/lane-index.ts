/**
 * The SQLite outbox's lanes, kept in memory: each lane's queued request ids in order, when its head is ready, and
 * which lanes are leased. The process holds the state file alone (db.ts), so this index is rebuilt from the
 * requests table on open instead of being written with every commit and settle: a lanes table and a (lane, id)
 * index cost two more b-trees, on scattered pages, in every transaction (README, Performance).
 *
 * Ready lanes come out oldest ready time first (ties: the order they became ready), from a binary heap with lazy
 * deletion: an entry whose `version` is no longer its lane's is skipped.
 */
interface Lane {
  ids: number[];
  readyAt: number;
  version: number;
}

interface Entry {
  lane: string;
  readyAt: number;
  seq: number;
  version: number;
}

export class LaneIndex {
  private readonly lanes = new Map<string, Lane>();
  /** Leased lanes -> lease end (ms); a leased lane is out of the heap. */
  private readonly leases = new Map<string, number>();
  private heap: Entry[] = [];
  private seq = 0;

  /** Rebuilds the lanes from the queued requests in id order (`readyAt` set on a lane's head when it waits for a retry); leases are kept. */
  load(rows: Iterable<{ id: number; lane: string; ready_at: number | null }>): void {
    this.lanes.clear();
    this.heap = [];
    for (const row of rows) {
      const lane = this.lanes.get(row.lane);
      if (lane) lane.ids.push(row.id);
      else this.lanes.set(row.lane, { ids: [row.id], readyAt: row.ready_at ?? 0, version: 0 });
    }
    for (const [name, lane] of this.lanes) if (!this.leases.has(name)) this.push(name, lane);
    for (const name of this.leases.keys()) if (!this.lanes.has(name)) this.leases.delete(name);
  }

  head(lane: string): number | undefined {
    return this.lanes.get(lane)?.ids[0];
  }

  ids(lane: string): readonly number[] {
    return this.lanes.get(lane)?.ids ?? [];
  }

  readyAt(lane: string): number | undefined {
    return this.lanes.get(lane)?.readyAt;
  }

  leased(lane: string, now: number): boolean {
    return (this.leases.get(lane) ?? 0) > now;
  }

  /** A newly queued request; a new lane is ready at `now`. */
  append(name: string, id: number, now: number): void {
    const lane = this.lanes.get(name);
    if (lane) lane.ids.push(id);
    else this.push(name, this.lanes.set(name, { ids: [id], readyAt: now, version: 0 }).get(name)!);
  }

  /** Drops a settled or superseded request; an emptied lane goes (with its lease). */
  remove(name: string, id: number): void {
    const lane = this.lanes.get(name);
    if (!lane) return;
    const at = lane.ids.indexOf(id);
    if (at >= 0) lane.ids.splice(at, 1);
    if (lane.ids.length > 0) return;
    this.lanes.delete(name);
    this.leases.delete(name);
    lane.version++;
  }

  /** The lane's head is ready at `at`; a leased lane is queued at its unlease. */
  schedule(name: string, at: number): void {
    const lane = this.lanes.get(name);
    if (!lane) return;
    lane.readyAt = at;
    if (!this.leases.has(name)) this.push(name, lane);
  }

  unlease(name: string): void {
    if (!this.leases.delete(name)) return;
    const lane = this.lanes.get(name);
    if (lane) this.push(name, lane);
  }

  /** Up to `limit` ready lanes, oldest ready time first, each leased until `until`. An expired lease frees its lane first. */
  claim(limit: number, now: number, until: number): string[] {
    for (const [name, end] of this.leases) if (end <= now) this.unlease(name);
    const claimed: string[] = [];
    while (claimed.length < limit) {
      const top = this.top();
      if (top === undefined || top.readyAt > now) break;
      this.pop();
      this.lanes.get(top.lane)!.version++;
      this.leases.set(top.lane, until);
      claimed.push(top.lane);
    }
    return claimed;
  }

  /** Every unleased lane waiting past `now` becomes ready at `now` (an outage is over); returns their heads' ids. */
  releaseBackoffs(now: number): number[] {
    const heads: number[] = [];
    for (const [name, lane] of this.lanes) {
      if (lane.readyAt <= now || this.leased(name, now)) continue;
      heads.push(lane.ids[0]!);
      this.schedule(name, now);
    }
    return heads;
  }

  /** The earliest ready time among unleased lanes. */
  nextReadyAt(): number | undefined {
    return this.top()?.readyAt;
  }

  private push(name: string, lane: Lane): void {
    lane.version++;
    const heap = this.heap;
    const entry: Entry = { lane: name, readyAt: lane.readyAt, seq: this.seq++, version: lane.version };
    let i = heap.push(entry) - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = entry;
  }

  /** The heap's first live entry (stale ones are dropped on the way). */
  private top(): Entry | undefined {
    for (let entry = this.heap[0]; entry !== undefined; entry = this.heap[0]) {
      if (this.lanes.get(entry.lane)?.version === entry.version) return entry;
      this.pop();
    }
    return undefined;
  }

  private pop(): void {
    const heap = this.heap;
    const last = heap.pop()!;
    if (heap.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= heap.length) break;
      const right = left + 1;
      const child = right < heap.length && before(heap[right]!, heap[left]!) ? right : left;
      if (!before(heap[child]!, last)) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = last;
  }
}

const before = (a: Entry, b: Entry): boolean => a.readyAt < b.readyAt || (a.readyAt === b.readyAt && a.seq < b.seq);

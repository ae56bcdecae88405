/**
 * A 32-bit fingerprint of a key: FNV-1a over its UTF-16 code units, finished with murmur3's fmix32 so keys that
 * differ in one character land far apart. Never 0, which marks an empty slot.
 */
export function fingerprint(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0 || 1;
}

const MIN_CAPACITY = 1024;
/** Slots in use (live or stale) beyond this share of the table make the next add ask for a rehash. */
const MAX_LOAD = 0.8;
/** Room made at a reset or rehash: the rows can grow by half before the next one. */
const GROWTH = 1.5;

/**
 * Row ids by the fingerprint of their key, in memory, as an open-addressing table of two typed arrays (8 bytes a
 * slot: ids are kept as offsets from the smallest id at the last reset or rehash, since the caller's ids only grow): a
 * key's row is found without a B-tree of keys on disk, whose random leaves made every delivered key rewrite a page
 * (docs/state-backends.md). A fingerprint only says where a key may be: whoever asks reads the row to confirm it.
 * Slots of removed rows are not cleared; they fail that check and go at the next rehash.
 */
export class FingerprintIndex {
  private fps = new Uint32Array(MIN_CAPACITY);
  private offsets = new Uint32Array(MIN_CAPACITY);
  private base = 0;
  private used = 0;

  /** Empties the table, sized for `expected` rows whose ids are `firstId` or more. */
  reset(expected: number, firstId: number): void {
    const capacity = Math.max(MIN_CAPACITY, Math.ceil((expected * GROWTH) / MAX_LOAD));
    this.fps = new Uint32Array(capacity);
    this.offsets = new Uint32Array(capacity);
    this.base = firstId;
    this.used = 0;
  }

  /**
   * The same table made again in memory for `expected` rows, without the slots of rows before `firstId` (gone:
   * keys expire and are dropped from the oldest). Far cheaper than reading every row again from the file.
   */
  rehash(expected: number, firstId: number): void {
    const { fps, offsets, base } = this;
    this.reset(expected, firstId);
    for (let slot = 0; slot < fps.length; slot++) {
      const id = base + offsets[slot]!;
      if (fps[slot] !== 0 && id >= firstId) this.add(fps[slot]!, id);
    }
  }

  /** False when the table is full, or `id` is too far past the rows it holds: the caller rehashes it. */
  add(fp: number, id: number): boolean {
    const offset = id - this.base;
    if (this.used + 1 > this.fps.length * MAX_LOAD || offset < 0 || offset > 0xffff_ffff) return false;
    let slot = this.start(fp);
    while (this.fps[slot] !== 0) slot = this.next(slot);
    this.fps[slot] = fp;
    this.offsets[slot] = offset;
    this.used++;
    return true;
  }

  /** The first slot holding `fp` whose row `confirm` accepts, or -1. */
  find(fp: number, confirm: (id: number) => boolean): number {
    for (let slot = this.start(fp); this.fps[slot] !== 0; slot = this.next(slot)) {
      if (this.fps[slot] === fp && confirm(this.base + this.offsets[slot]!)) return slot;
    }
    return -1;
  }

  /** Points a found slot at the row that replaced its row; false if that id is beyond the offsets (the caller reads the index again). */
  replace(slot: number, id: number): boolean {
    const offset = id - this.base;
    if (offset > 0xffff_ffff) return false;
    this.offsets[slot] = offset;
    return true;
  }

  private start(fp: number): number {
    return Math.floor((fp / 0x1_0000_0000) * this.fps.length);
  }

  private next(slot: number): number {
    return slot + 1 === this.fps.length ? 0 : slot + 1;
  }
}

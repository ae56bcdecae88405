import { describe, expect, it } from '@jest/globals';
import { fingerprint, FingerprintIndex } from '../../../src/state/sqlite/fingerprint-index.js';

/** The in-memory table of the SQLite delivered keys (docs/state-backends.md): fingerprint -> row ids to confirm. */
describe('FingerprintIndex', () => {
  /** The ids `find` offers for `fp`, in probe order (every candidate refused, so all are seen). */
  const offered = (index: FingerprintIndex, fp: number): number[] => {
    const ids: number[] = [];
    expect(index.find(fp, (id) => (ids.push(id), false))).toBe(-1);
    return ids;
  };

  it('offers every row of a fingerprint, and the slot of the one confirmed', () => {
    const index = new FingerprintIndex();
    index.reset(10, 100);
    expect(index.add(7, 100)).toBe(true);
    expect(index.add(7, 105)).toBe(true);
    expect(index.add(9, 101)).toBe(true);
    expect(offered(index, 7)).toEqual([100, 105]);
    const slot = index.find(7, (id) => id === 105);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect(index.replace(slot, 110)).toBe(true);
    expect(offered(index, 7)).toEqual([100, 110]);
    expect(offered(index, 8)).toEqual([]);
  });

  it('asks for a rehash when full, and the rehash drops the rows before the oldest kept', () => {
    const index = new FingerprintIndex();
    index.reset(0, 1);
    const fps = Array.from({ length: 2000 }, (_, i) => fingerprint(`k${i}`));
    let added = 0;
    while (index.add(fps[added]!, added + 1)) added++;
    expect(added).toBeGreaterThan(800); // the smallest table holds 1024 slots, 80% of them used
    index.rehash(added, 501); // ids 1-500 expired
    for (let i = 0; i < added; i++) expect(offered(index, fps[i]!).includes(i + 1)).toBe(i + 1 >= 501);
    expect(index.add(fps[added]!, added + 1)).toBe(true);
  });

  it('refuses an id before its first or 2^32 past it (the caller makes the table again)', () => {
    const index = new FingerprintIndex();
    index.reset(10, 1000);
    expect(index.add(1, 999)).toBe(false);
    expect(index.add(1, 1000 + 2 ** 32)).toBe(false);
    expect(index.add(1, 1000 + 2 ** 32 - 1)).toBe(true);
    expect(
      index.replace(
        index.find(1, () => true),
        1000 + 2 ** 32,
      ),
    ).toBe(false);
  });
});

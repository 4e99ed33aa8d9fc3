import { describe, expect, it } from 'vitest';
import { racyFrom, RACY_MS, storedStamp, unchangedSince } from '../../src/engine/stamp.js';

describe('the one racy-stamp check of the caches', () => {
  const stamp = { size: 10, mtimeMs: 1_000, ctimeMs: 1_500, ino: 7 };

  it('trusts a kept stamp that is the same and older than the racy window of the cache write', () => {
    expect(unchangedSince(storedStamp(stamp), stamp, racyFrom(1_501 + RACY_MS))).toBe(true);
  });

  it('does not trust a stamp within the racy window, by mtime or by ctime', () => {
    expect(unchangedSince(storedStamp(stamp), stamp, racyFrom(1_500 + RACY_MS))).toBe(false);
    const late = { ...stamp, mtimeMs: 1_500, ctimeMs: 1_000 };
    expect(unchangedSince(storedStamp(late), late, racyFrom(1_500 + RACY_MS))).toBe(false);
  });

  it('does not trust a different or damaged stamp', () => {
    const settled = racyFrom(10_000_000);
    for (const changed of [{ size: 11 }, { mtimeMs: 999 }, { ctimeMs: 1_501 }, { ino: 8 }]) {
      expect(unchangedSince(storedStamp({ ...stamp, ...changed }), stamp, settled)).toBe(false);
    }
    for (const damaged of [null, undefined, 'x', [10, 1_000, 1_500], [10, 1_000, 1_500, 7, 0], { size: 10 }]) {
      expect(unchangedSince(damaged, stamp, settled)).toBe(false);
    }
  });
});

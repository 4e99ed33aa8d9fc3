import { describe, expect, it } from 'vitest';
import { KeptFiles, type KeptFile } from '../../src/engine/kept-files.js';

const hex = (seed: number, width: number) => seed.toString(16).padStart(width, '0').slice(-width);
const FILES = ['decisions/D-1.md', 'stages/a b/01-x.md', 'stages/ü/02-y.md'];
const blobEntry = (seed: number, blobWidth = 40): KeptFile => ({ sha: hex(seed, 64), witness: hex(seed + 7, blobWidth), reads: seed % 2, digest: hex(seed + 3, 20) });
const stampEntry = (seed: number): KeptFile => ({ sha: hex(seed, 64), witness: [seed, seed + 0.5, seed + 1.25, seed * 10], reads: 0, digest: hex(seed, 20) });

function valuesOf(kept: KeptFiles): KeptFile[] {
  return Array.from({ length: kept.count }, (_, i) => ({ sha: kept.sha(i), witness: kept.witness(i), reads: kept.reads(i), digest: kept.digest(i) }));
}

/** The columns as the result file holds them, read back as a later run reads them. */
function roundTrip(kept: KeptFiles, files = FILES): KeptFiles | undefined {
  return KeptFiles.read(JSON.parse(JSON.stringify(kept.columns())), 2, files);
}

// The result file keeps its files as columns; each value must come back as it was kept, with the
// entries a reuse changed laid over the stored ones, and anything damaged must be refused.
describe('KeptFiles', () => {
  it.each([
    ['blob ids (SHA-1)', FILES.map((_, i) => blobEntry(i + 1)), 'blob' as const],
    ['blob ids (SHA-256)', FILES.map((_, i) => blobEntry(i + 1, 64)), 'blob' as const],
    ['stamps', FILES.map((_, i) => stampEntry(i + 1)), 'stamp' as const],
  ])('keeps every value of %s, and the changes laid over them', (_label, entries, kind) => {
    const kept = KeptFiles.of(FILES, entries, kind)!;
    expect(valuesOf(kept)).toEqual(entries);
    const read = roundTrip(kept)!;
    expect(read.kind).toBe(kind);
    expect(valuesOf(read)).toEqual(entries);
    expect(read.paths()).toEqual(FILES);

    const replaced = kind === 'blob' ? blobEntry(40, (entries[0]!.witness as string).length) : stampEntry(40);
    const changed = read.with(new Map([[2, replaced], [0, { ...replaced, reads: 1 }]]));
    const expected = [{ ...replaced, reads: 1 }, entries[1]!, replaced];
    expect(valuesOf(changed)).toEqual(expected);
    expect(valuesOf(roundTrip(changed)!)).toEqual(expected);
    // The stored columns are not changed by a copy's changes.
    expect(valuesOf(read)).toEqual(entries);
    if (kind === 'blob') {
      expect(changed.hasBlob(2, replaced.witness as string)).toBe(true);
      expect(changed.hasBlob(1, entries[1]!.witness as string)).toBe(true);
      expect(changed.hasBlob(1, entries[2]!.witness as string)).toBe(false);
    }
  });

  it('refuses columns that are damaged, of another listing, or of values of the wrong width', () => {
    const columns = KeptFiles.of(FILES, FILES.map((_, i) => blobEntry(i + 1)), 'blob')!.columns();
    const damaged: unknown[] = [
      null,
      [],
      { ...columns, shas: columns.shas.slice(1) },
      { ...columns, digests: `${columns.digests}0` },
      { ...columns, witnesses: columns.witnesses.slice(3) },
      { ...columns, reads: [0, 1] },
      { ...columns, reads: [0, 1, 2] },
      { ...columns, reads: [0, 1, -1] },
      { ...columns, paths: columns.paths.replace('D-1', 'D-2') },
      { ...columns, witnesses: [1, 2, 3] },
    ];
    for (const value of damaged) expect(KeptFiles.read(value, 2, FILES)).toBeUndefined();
    expect(KeptFiles.read(columns, 2, FILES.slice(1))).toBeUndefined();
    // Without a listing to compare (the digests a full run carries over), the paths must still be whole.
    expect(KeptFiles.read(columns, 2)?.paths()).toEqual(FILES);
    expect(KeptFiles.read({ ...columns, paths: columns.paths.slice(0, -1) }, 2)).toBeUndefined();
    expect(KeptFiles.of(FILES, [blobEntry(1), blobEntry(2, 64), blobEntry(3)], 'blob')).toBeUndefined();
    expect(KeptFiles.of(FILES, [blobEntry(1), { ...blobEntry(2), sha: 'short' }, blobEntry(3)], 'blob')).toBeUndefined();
    expect(KeptFiles.of(FILES, [stampEntry(1), blobEntry(2), stampEntry(3)], 'stamp')).toBeUndefined();
  });
});

import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveLink } from '../../src/rules/broken-link.js';

/** What a link target resolves to by the book: joined to the document's folder, then normalised. */
function byTheBook(folder: string, target: string): string {
  return target.startsWith('/') ? path.posix.normalize(target.slice(1)) : path.posix.normalize(path.posix.join(folder, target));
}

describe('broken-link target resolution', () => {
  it('resolves plain targets without normalising, and gives what joining and normalising gives for every target', () => {
    const segment = fc.constantFrom('', '.', '..', '...', '.hidden', 'phase.md', 'a b', 'x..y', 'docs', '%2e', '\\');
    const target = fc.array(segment, { minLength: 1, maxLength: 5 }).map((segments) => segments.join('/'));
    const folder = fc.constantFrom('.', 'stages', 'stages/0001-phase-1', 'decisions/2026');
    fc.assert(
      fc.property(folder, target, (from, to) => {
        expect(resolveLink(from, to)).toBe(byTheBook(from, to));
      }),
      { numRuns: 2000 },
    );
    expect(resolveLink('stages/p1', 'phase.md')).toBe('stages/p1/phase.md');
    expect(resolveLink('stages/p1', '../../../x.md')).toBe('../x.md');
    expect(resolveLink('.', 'docs/api.md')).toBe('docs/api.md');
  });
});

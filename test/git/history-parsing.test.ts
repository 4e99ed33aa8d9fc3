import { describe, expect, it } from 'vitest';
import { parseRawLog } from '../../src/git/history.js';
import { parseRange } from '../../src/git/history-validation.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

describe('parseRawLog', () => {
  it('reads commits, subjects and raw changes with spaces and unicode in paths', () => {
    const output =
      `\x1e${A}\x1f${B}\x1fedit: the "scope"\x1f2026-11-21T09:00:00+00:00\0\n` +
      `:100644 100644 ${A} ${B} M\0freeze/über file.json\0:100644 000000 ${B} ${Z} D\0gate_results/x/run.log\0` +
      `\x1e${B}\x1f\x1finitial\x1f2026-11-20T09:00:00+00:00\0\n:000000 100644 ${Z} ${A} A\0a b.md\0`;
    expect(parseRawLog(output)).toEqual([
      {
        sha: A,
        shortSha: 'aaaaaaa',
        parents: [B],
        subject: 'edit: the "scope"',
        date: '2026-11-21T09:00:00+00:00',
        changes: [
          { status: 'M', path: 'freeze/über file.json', oldBlob: A, newBlob: B },
          { status: 'D', path: 'gate_results/x/run.log', oldBlob: B, newBlob: Z },
        ],
      },
      { sha: B, shortSha: 'bbbbbbb', parents: [], subject: 'initial', date: '2026-11-20T09:00:00+00:00', changes: [{ status: 'A', path: 'a b.md', oldBlob: Z, newBlob: A }] },
    ]);
  });

  it("folds a merge's per-parent diffs: what only one side changed, and what the merge itself changed", () => {
    const C = 'c'.repeat(40);
    const header = `\x1e${C}\x1f${A} ${B}\x1fMerge\x1f2026-11-21T09:00:00+00:00\0\n`;
    const output =
      `${header}:100644 100644 ${A} ${C} M\0gate_results/gate_registry.csv\0:100644 100644 ${A} ${B} M\0freeze/x.freeze.json\0` +
      `${header}:100644 100644 ${B} ${C} M\0gate_results/gate_registry.csv\0`;
    const [merge] = parseRawLog(output);
    expect(merge!.parents).toEqual([A, B]);
    expect(merge!.changes).toEqual([
      { status: 'M', path: 'gate_results/gate_registry.csv', oldBlob: A, newBlob: C, parentBlobs: [A, B], byMerge: true },
      { status: 'M', path: 'freeze/x.freeze.json', oldBlob: A, newBlob: B, parentBlobs: [A], byMerge: false },
    ]);
  });

  it('reads a whole span as audit packs ask for it: subjects with `|`, paths with spaces, a merge without changes', () => {
    const C = 'c'.repeat(40);
    const output =
      `\x1e${A}\x1f${C}\x1fsecond | subject\x1f2026-11-21T10:01:00+00:00\0\n:100644 100644 ${C} ${A} M\0a b.md\0:000000 100644 ${Z} ${B} A\0gate_results/P1-S00_x/report.json\0` +
      `\x1e${B}\x1f${C} ${A}\x1fmerge\x1f2026-11-21T10:00:00+00:00\n`;
    expect(parseRawLog(output)).toEqual([
      {
        sha: A,
        shortSha: 'aaaaaaa',
        parents: [C],
        subject: 'second | subject',
        date: '2026-11-21T10:01:00+00:00',
        changes: [
          { status: 'M', path: 'a b.md', oldBlob: C, newBlob: A },
          { status: 'A', path: 'gate_results/P1-S00_x/report.json', oldBlob: Z, newBlob: B },
        ],
      },
      { sha: B, shortSha: 'bbbbbbb', parents: [C, A], subject: 'merge', date: '2026-11-21T10:00:00+00:00', changes: [] },
    ]);
  });

  it('reads a commit without changes (a merge)', () => {
    expect(parseRawLog(`\x1e${A}\x1f${B} ${Z}\x1fMerge\x1f2026-11-21T09:00:00+00:00\n`)[0]!.changes).toEqual([]);
  });
});

describe('parseRange', () => {
  it('splits base..head and refuses other shapes', () => {
    expect(parseRange('origin/main..HEAD')).toEqual({ base: 'origin/main', head: 'HEAD' });
    for (const bad of ['main', 'main...HEAD', '..HEAD', 'main..', 'a..b..c']) expect(() => parseRange(bad)).toThrow('is not of the form');
  });
});

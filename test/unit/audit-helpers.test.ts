import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseCsv } from '../../src/audit/registry-rows.js';
import { parseLog } from '../../src/git/range.js';
import { mermaidLabel } from '../../src/render/escape.js';

describe('mermaidLabel', () => {
  it('turns everything that could end a quoted label or the code fence into entities', () => {
    expect(mermaidLabel('a "b" [c] {d} (e) | <f> `g` ; h # i & @team\nj')).toBe(
      'a #quot;b#quot; #91;c#93; #123;d#125; #40;e#41; #124; #lt;f#gt; #96;g#96; #59; h #35; i #38; #64;team j',
    );
  });

  it('never leaves a quote, bracket, pipe, angle bracket, backtick or newline in any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(mermaidLabel(text)).not.toMatch(/["[\]|<>`\n\r{}()]/);
      }),
    );
  });
});

describe('parseLog', () => {
  it('reads commits with their files from `git log -z --name-status` output, paths with spaces kept', () => {
    const output =
      '\x1eaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\x1faaaaaaa\x1fsecond | subject\x1f2026-11-21T10:01:00+00:00\0\nM\0a b.md\0A\0gate_results/P1-S00_x/report.json\0' +
      '\x1ebbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\x1fbbbbbbb\x1fmerge\x1f2026-11-21T10:00:00+00:00\n';
    expect(parseLog(output)).toEqual([
      {
        sha: 'a'.repeat(40),
        shortSha: 'aaaaaaa',
        subject: 'second | subject',
        date: '2026-11-21T10:01:00+00:00',
        files: [
          { status: 'M', path: 'a b.md' },
          { status: 'A', path: 'gate_results/P1-S00_x/report.json' },
        ],
      },
      { sha: 'b'.repeat(40), shortSha: 'bbbbbbb', subject: 'merge', date: '2026-11-21T10:00:00+00:00', files: [] },
    ]);
  });
});

describe('parseCsv', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside fields', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\r\n')).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readRegistryRows } from '../../src/audit/registry-rows.js';
import { csvRow, parseCsv } from '../../src/util/csv.js';
import { tempDir, writeTree } from '../helpers/repo.js';
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

describe('parseCsv', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside fields', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\r\n').map((record) => record.cells)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
  });
});

describe('readRegistryRows', () => {
  it('reads back exactly what the registry writer wrote, neutralised cells included', async () => {
    const values = ['=1+1', "'quoted", "''twice", '-3', 'plain, with comma'];
    const root = tempDir();
    writeTree(root, { 'gate_results/gate_registry.csv': csvRow(['a', 'b', 'c', 'd', 'e']) + csvRow(values) });
    expect(await readRegistryRows(root, 'gate_results')).toEqual([{ a: values[0], b: values[1], c: values[2], d: values[3], e: values[4] }]);
  });

  it('shows no rows for a missing or malformed file (`registry --check` reports those)', async () => {
    const root = tempDir();
    expect(await readRegistryRows(root, 'gate_results')).toEqual([]);
    writeTree(root, { 'gate_results/gate_registry.csv': 'a,b\r\n"never closed,x\r\n' });
    expect(await readRegistryRows(root, 'gate_results')).toEqual([]);
  });
});

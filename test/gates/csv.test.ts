import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvCell, csvRow, csvSafeText, decodeCell, parseCsv } from '../../src/util/csv.js';

/** What a spreadsheet would take for a formula: the cell's value, once unquoted, starts with one of these. */
const FORMULA = /^[=+\-@\t\r]/;

const trickyCell = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: fc.constantFrom('=', '+', '-', '@', ',', '"', '\r', '\n', '\t', "'", 'a', ' ', 'é', '😀', '\u2028') }),
  fc.tuple(fc.constantFrom('=', '+', '-', '@', '\t', '\r', "'"), fc.string()).map(([head, tail]) => head + tail),
);

describe('CSV', () => {
  it('round-trips any row and never yields a cell that reads as a formula', () => {
    fc.assert(
      fc.property(fc.array(fc.array(trickyCell, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const text = rows.map(csvRow).join('');
        const records = parseCsv(text);
        expect(records.map((record) => record.cells.map(decodeCell))).toEqual(rows);
        for (const record of records) for (const cell of record.cells) expect(cell).not.toMatch(FORMULA);
      }),
      { numRuns: 500 },
    );
  });

  it('also reads LF line ends (git may convert them)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', '=', ',', '"', '-') }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 4 }), (rows) => {
        const text = rows.map(csvRow).join('').replace(/\r\n(?=(?:[^"]*"[^"]*")*[^"]*$)/g, '\n');
        expect(parseCsv(text).map((record) => record.cells.map(decodeCell))).toEqual(rows);
      }),
    );
  });

  it('neutralises formulas and quotes per RFC 4180', () => {
    expect(csvCell('=HYPERLINK("http://x")')).toBe(`"'=HYPERLINK(""http://x"")"`);
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell("'quoted")).toBe("''quoted");
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('plain 12')).toBe('plain 12');
    expect(csvRow(['a', 'b'])).toBe('a,b\r\n');
  });

  it('reports malformed input with its line', () => {
    expect(() => parseCsv('a,b\r\n"open')).toThrow(/line 2/);
    expect(() => parseCsv('a,"b"c\r\n')).toThrow(/after a closing quote/);
  });
  it('write-then-read returns the input, modulo the documented replacement of control characters (property)', () => {
    const PIECES = ['=', '+', '-', '@', "'", ';', ',', '\t', '\r', '\n', '"', '\u0000', '\u001b', '\u007f', 'a', ' ', 'é', '1'];
    const cell = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })), { maxLength: 12 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 6 }), (values) => {
        const text = csvRow(values);
        expect(text).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
        const [record] = parseCsv(text);
        expect(record!.cells.map(decodeCell)).toEqual(values.map(csvSafeText));
        // No cell a `,`-, `;`- or tab-separated reader splits off starts a formula (outside quotes).
        for (const raw of record!.cells) for (const piece of raw.split(/[,;\t]/).slice(1)) expect(piece).not.toMatch(/^[=+\-@]/);
      }),
      { numRuns: 2000 },
    );
    expect(csvCell('a;=1+1')).toBe(`"a;'=1+1"`);
    expect(csvCell('nul\u0000here')).toBe('nul\uFFFDhere');
  });
});

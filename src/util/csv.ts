/**
 * RFC 4180 CSV with formula neutralising (CWE-1236). Rows end in CRLF as the RFC says; a reader must
 * also accept LF, because git may convert line endings on checkout.
 *
 * Neutralising: a cell a spreadsheet would read as a formula (leading `=`, `+`, `-`, `@`, tab or CR)
 * gets a `'` prefix. A cell that already starts with `'` gets one too, so that decoding (strip one
 * leading `'`) is exact and every value round-trips. This applies to every column alike: the
 * registry's numeric columns are never negative, so no number is ever prefixed.
 */
const FORMULA_START = /^[=+\-@\t\r']/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One cell as written: neutralised, then quoted when it holds a comma, quote, CR or LF. */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record with its CRLF terminator. */
export function csvRow(values: readonly string[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** The value of a cell as read back from the file: the neutralising `'` removed. */
export function decodeCell(raw: string): string {
  return raw.startsWith("'") ? raw.slice(1) : raw;
}

export interface CsvRecord {
  /** 1-based line where the record starts. */
  line: number;
  /** Cells as they appear in the file (unquoted, still neutralised). */
  cells: string[];
}

export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses RFC 4180 text into records; CRLF or LF line ends; a final line end is optional. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let cells: string[] = [];
  let cell = '';
  let line = 1;
  let recordLine = 1;
  let index = 0;
  let atCellStart = true;
  const endCell = () => {
    cells.push(cell);
    cell = '';
    atCellStart = true;
  };
  const endRecord = () => {
    endCell();
    records.push({ line: recordLine, cells });
    cells = [];
  };
  while (index < text.length) {
    const char = text[index]!;
    if (atCellStart && char === '"') {
      atCellStart = false;
      index += 1;
      for (;;) {
        if (index >= text.length) throw new CsvSyntaxError(recordLine, 'a quoted cell is never closed');
        const inner = text[index]!;
        if (inner === '"') {
          if (text[index + 1] === '"') {
            cell += '"';
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        if (inner === '\n') line += 1;
        cell += inner;
        index += 1;
      }
      const next = text[index];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new CsvSyntaxError(line, `unexpected \`${next}\` after a closing quote, expected a comma or the end of the line`);
      }
      continue;
    }
    atCellStart = false;
    if (char === ',') {
      endCell();
      index += 1;
    } else if (char === '\r' && text[index + 1] === '\n') {
      endRecord();
      index += 2;
      line += 1;
      recordLine = line;
    } else if (char === '\n') {
      endRecord();
      index += 1;
      line += 1;
      recordLine = line;
    } else if (char === '"') {
      throw new CsvSyntaxError(line, 'a quote inside an unquoted cell, expected the cell to be quoted');
    } else {
      cell += char;
      index += 1;
    }
  }
  if (!atCellStart || cells.length > 0 || cell !== '') endRecord();
  return records;
}

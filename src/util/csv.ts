/**
 * RFC 4180 CSV with formula neutralising (CWE-1236). Rows end in CRLF as the RFC says; a reader must
 * also accept LF, because git may convert line endings on checkout.
 *
 * Neutralising: a cell a spreadsheet would read as a formula (leading `=`, `+`, `-`, `@`, tab or CR)
 * gets a `'` prefix, and so does such a character after a `,`, `;` or tab inside the cell (a reader
 * in a locale whose separator is `;`, or a tab-separated reader, would start a cell there). A cell that already starts with `'` gets one too, so that decoding (strip one
 * leading `'`) is exact and every value round-trips. This applies to every column alike: the
 * registry's numeric columns are never negative, so no number is ever prefixed.
 */
const FORMULA_START = /^[=+\-@\t\r']/;
/** A formula start after a separator that some reader splits on (`,`; `;` in many locales; tab). */
const FORMULA_AFTER_SEPARATOR = /([,;\t])(?=[=+\-@\t\r'])/g;
const NEUTRALISED_AFTER_SEPARATOR = /([,;\t])'(?=[=+\-@\t\r'])/g;
const NEEDS_QUOTES = /[",;\t\r\n]/;
/** C0 control characters and DEL: never written (a NUL makes git treat the file as binary). */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/**
 * A value as the registry stores it: C0 control characters (but tab, CR and LF) and DEL become
 * U+FFFD. The schemas reject them in ids, titles and owners, so only a hand-edited report gets here.
 */
export function csvSafeText(value: string): string {
  return value.replace(CONTROL, '\uFFFD');
}

/**
 * One cell as written: control characters replaced, neutralised (a `'` before a formula start at the
 * cell's start and after each `,`, `;` or tab inside it, where a locale's reader would split), then
 * quoted when it holds a comma, semicolon, tab, quote, CR or LF.
 */
export function csvCell(value: string): string {
  const clean = csvSafeText(value);
  const neutral = clean.replace(FORMULA_AFTER_SEPARATOR, "$1'");
  const safe = FORMULA_START.test(neutral) ? `'${neutral}` : neutral;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** One record with its CRLF terminator. */
export function csvRow(values: readonly string[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

/** The value of a cell as read back from the file: the neutralising `'`s removed. */
export function decodeCell(raw: string): string {
  // Most cells hold no `'` at all: a registry of 20,000 rows spent 160 ms in the replace below.
  if (!raw.includes("'")) return raw;
  const inner = raw.replace(NEUTRALISED_AFTER_SEPARATOR, '$1');
  return inner.startsWith("'") ? inner.slice(1) : inner;
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

/** A run of characters that cannot end or quote an unquoted cell; a lone CR (no LF after it) is not in it and is taken on its own. */
const UNQUOTED_RUN = /[^,\r\n"]+/y;

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
      // The rest of an unquoted cell in one slice (a character at a time cost most of a large registry's parse).
      UNQUOTED_RUN.lastIndex = index;
      UNQUOTED_RUN.test(text);
      const end = UNQUOTED_RUN.lastIndex > index ? UNQUOTED_RUN.lastIndex : index + 1;
      cell += text.slice(index, end);
      index = end;
    }
  }
  if (!atCellStart || cells.length > 0 || cell !== '') endRecord();
  return records;
}

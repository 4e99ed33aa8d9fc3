/** Text as every parser sees it: no BOM, LF line endings, so that CRLF and BOM files behave like LF. */
export function normalizeText(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
}

/** Why bytes cannot be read as a document, or undefined when they can. */
export function unreadableReason(bytes: Uint8Array, maxBytes: number): string | undefined {
  if (bytes.length > maxBytes) return `the file is ${bytes.length} bytes, above the limit of ${maxBytes}`;
  const probe = bytes.subarray(0, 8000);
  if (probe.includes(0)) return 'the file is binary (it contains NUL bytes)';
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes UTF-8 strictly; undefined when the bytes are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Deepest block nesting the markdown parser is given; beyond it micromark can take quadratic time. */
export const MAX_NESTING = 32;

/** Widest run of indentation and container markers before a nested list item (2 columns a level). */
const MAX_CONTAINER_WIDTH = MAX_NESTING * 4;

/**
 * Finds the first line whose leading container markers (`>`, list bullets, ordered-list numbers)
 * nest deeper than MAX_NESTING, or whose list item is indented wider than MAX_CONTAINER_WIDTH
 * columns (nesting by indentation: 1,000 levels of `- ` take micromark minutes). Such lines are
 * pathological (16 KB of `* ` takes micromark 18 s) and never occur in real stage documents.
 */
export function findExcessiveNesting(text: string): { line: number; depth: number } | undefined {
  const container = /^[ \t]*(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/;
  // Most lines start with text: one cheap test skips them.
  const mayNest = /^[ \t]*[>*+\-\d]/;
  let lineNumber = 0;
  for (const line of text.split('\n')) {
    lineNumber++;
    if (!mayNest.test(line)) continue;
    let rest = line;
    let depth = 0;
    let width = 0;
    for (let match = container.exec(rest); match; match = container.exec(rest)) {
      depth++;
      width += columnWidth(match[0]);
      if (depth > MAX_NESTING || width > MAX_CONTAINER_WIDTH) return { line: lineNumber, depth };
      rest = rest.slice(match[0].length);
    }
  }
  return undefined;
}

/** Columns a run of text takes, with tabs as 4 (the CommonMark tab stop). */
function columnWidth(run: string): number {
  let width = 0;
  for (const char of run) width += char === '\t' ? 4 : 1;
  return width;
}

/**
 * Text on one line: each line break (CR, LF, CRLF, U+2028, U+2029) with the blanks around it becomes
 * one space. For line-based output (the status table, plain CI logs, tag messages), where a line
 * break in a title would start a line that is not ours. Control characters are left to the output's
 * own escaping (the CLI's inertIo), which shows them instead of hiding them.
 */
export function singleLine(text: string): string {
  return text.replace(/[^\S\r\n\u2028\u2029]*(?:\r\n?|[\n\u2028\u2029])\s*/g, ' ');
}

/** Cuts long input for messages, so that a 10 KB value does not become a 10 KB diagnostic. */
export function truncate(value: string, max = 60): string {
  const oneLine = value.replace(/\s+/g, ' ').trim();
  return oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine;
}

/**
 * Characters that act on a terminal or reorder text instead of showing: C0 controls but tab and
 * newline (ESC starts escape sequences, CR overwrites a line, BEL rings), DEL, C1 (U+009B is a
 * one-byte CSI on some terminals), and the bidi embeddings, overrides and isolates that make a line
 * read differently from its bytes (U+202A-U+202E, U+2066-U+2069).
 */
export const UNSAFE_TEXT_CHARS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text with every UNSAFE_TEXT_CHARS character written as its visible `\uXXXX` escape, so that it
 * shows what is there and does nothing. The escape is JSON's: inside a JSON string it means the same
 * character, so JSON output stays valid and equal when it passes through here.
 */
export function inertText(text: string): string {
  UNSAFE_TEXT_CHARS.lastIndex = 0;
  if (!UNSAFE_TEXT_CHARS.test(text)) return text;
  return text.replace(UNSAFE_TEXT_CHARS, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

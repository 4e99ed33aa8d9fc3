/**
 * A linear pre-scan of what the markdown parser (remark / micromark) would be given, for the inputs
 * that make it slow: micromark resolves emphasis delimiters, link labels and setext headings in quadratic time
 * (51 KB of `*_` takes it about 40 s, 81 KB of alternating text and `=` lines about 100 s) and its
 * cost per line grows with the container nesting (`> - > - ...`). Real stage documents never come
 * near these limits; a document that does is refused before remark sees it, so that `validate` and
 * the pre-commit hook finish in bounded time whatever a file holds. Only documents the line scanner
 * (scan.ts) leaves to remark are checked: the scanner itself is linear.
 *
 * Fenced code is skipped (micromark does not look for emphasis or headings inside it).
 */
export interface ParserHazard {
  line: number;
  column: number;
  /** What was found, for the message: "more than 100 setext heading underlines". */
  construct: string;
  hint: string;
}

/** Setext underlines (`===` or `---` under a text line) per document. */
export const MAX_SETEXT_UNDERLINES = 100;
/** Runs of `*` or `_` in one paragraph (blank-line separated block). */
export const MAX_DELIMITER_RUNS = 1000;
/** Opening brackets (`[`, link and image labels) in one paragraph. */
const MAX_BRACKETS = 1000;
/**
 * Inline openers (`<`, backtick runs, `[`, `*` and `_` runs) times the characters of their paragraph.
 * micromark looks ahead from each unclosed opener to the end of its paragraph (`<!--` for `-->`,
 * a backtick run for its closing run): 100 KB of `<a<!--` took it 16 s. 10^8 is about half a second;
 * a long real paragraph (5,000 characters, 100 links and emphasis marks) is at 5 * 10^5.
 */
const MAX_INLINE_WORK = 100_000_000;
/**
 * Lines given to remark, each weighted by 1 + its container nesting (`> - x` weighs 3). Measured on a
 * loaded 2-core machine: remark reads about 5,000 such lines a second.
 */
const MAX_REMARK_LINE_WEIGHT = 5000;
/** Characters given to remark. */
const MAX_REMARK_CHARS = 256 * 1024;

const FENCE = /^ {0,3}(`{3,}|~{3,})/;
const SETEXT = /^ {0,3}(?:=+|-+)[ \t]*$/;
const CONTAINER = /^[ \t]*(?:>|[*+-](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))/;
const DELIMITER_RUN = /\*+|_+/g;

const SPLIT_HINT = 'Split the document (a stage should fit in 1-4 hours of work): the markdown parser is slow on it.';

/** The first construct in `text` (normalised, LF) beyond the parser's budget, or undefined. */
export function findParserHazard(text: string): ParserHazard | undefined {
  if (text.length > MAX_REMARK_CHARS) {
    return {
      line: 1,
      column: 1,
      construct: `${text.length} characters of markdown that the fast reader could not read, more than the ${MAX_REMARK_CHARS} the full markdown parser is given`,
      hint: SPLIT_HINT,
    };
  }
  const lines = text.split('\n');
  let fence: string | undefined;
  let previousBlank = true;
  let setext = 0;
  let runs = 0;
  let brackets = 0;
  let openers = 0;
  let chars = 0;
  let weight = 0;
  // The frontmatter block is YAML, not markdown: its closing `---` is no setext underline.
  let first = 0;
  if (lines[0] === '---') {
    const closing = lines.findIndex((line, index) => index > 0 && /^(?:---|\.\.\.)[ \t]*$/.test(line));
    if (closing > 0) first = closing + 1;
  }
  for (let index = first; index < lines.length; index++) {
    const line = lines[index]!;
    const blank = line.trim() === '';
    if (!blank) weight += 1 + containerDepth(line);
    if (weight > MAX_REMARK_LINE_WEIGHT) {
      return {
        line: index + 1,
        column: 1,
        construct: `more lines (weighted by their list and quote nesting) than the ${MAX_REMARK_LINE_WEIGHT} the full markdown parser is given`,
        hint: `${SPLIT_HINT} Documents made of plain paragraphs, headings and lists are read by a faster reader without this limit.`,
      };
    }
    if (fence !== undefined) {
      const closing = FENCE.exec(line);
      if (closing && closing[1]![0] === fence[0] && closing[1]!.length >= fence.length && line.trim() === closing[1]) fence = undefined;
      previousBlank = blank;
      continue;
    }
    const opening = FENCE.exec(line);
    if (opening) {
      fence = opening[1]!;
      runs = 0;
      brackets = 0;
      openers = 0;
      chars = 0;
      previousBlank = false;
      continue;
    }
    if (blank) {
      runs = 0;
      brackets = 0;
      openers = 0;
      chars = 0;
      previousBlank = true;
      continue;
    }
    if (!previousBlank && SETEXT.test(line)) {
      setext++;
      if (setext > MAX_SETEXT_UNDERLINES) {
        return {
          line: index + 1,
          column: line.length - line.trimStart().length + 1,
          construct: `more than ${MAX_SETEXT_UNDERLINES} setext heading underlines (\`===\` or \`---\` under a line of text)`,
          hint: 'Write headings as `# Title` (ATX), or put a blank line before `---` rules; the markdown parser reads many setext headings in quadratic time.',
        };
      }
    }
    if (line.includes('*') || line.includes('_')) {
      for (const match of line.matchAll(DELIMITER_RUN)) {
        runs++;
        if (runs > MAX_DELIMITER_RUNS) {
          return {
            line: index + 1,
            column: match.index + 1,
            construct: `more than ${MAX_DELIMITER_RUNS} runs of \`*\` or \`_\` in one paragraph`,
            hint: 'Put long runs of `*` and `_` in a code span or fenced code block, or split the paragraph with blank lines; the markdown parser matches emphasis in quadratic time.',
          };
        }
      }
    }
    if (line.includes('[')) {
      for (let column = line.indexOf('['); column !== -1; column = line.indexOf('[', column + 1)) {
        brackets++;
        if (brackets > MAX_BRACKETS) {
          return {
            line: index + 1,
            column: column + 1,
            construct: `more than ${MAX_BRACKETS} \`[\` (link labels) in one paragraph`,
            hint: 'Put the text in a code span or fenced code block, or split the paragraph with blank lines; the markdown parser matches link labels in quadratic time.',
          };
        }
      }
    }
    chars += line.length + 1;
    openers += countOpeners(line);
    if (openers * chars > MAX_INLINE_WORK) {
      return {
        line: index + 1,
        column: 1,
        construct: `a paragraph of ${chars} characters with ${openers} unclosed-looking \`<\`, \`\`\`\`, \`[\`, \`*\` or \`_\` (more than the markdown parser reads in bounded time)`,
        hint: 'Split the paragraph with blank lines, or put the text in a fenced code block; the markdown parser looks ahead from each of these to the end of the paragraph.',
      };
    }
    previousBlank = false;
  }
  return undefined;
}

const OPENER = /<|`+|\[|\*+|_+/g;

function countOpeners(line: string): number {
  if (!/[<`[*_]/.test(line)) return 0;
  let count = 0;
  for (const _match of line.matchAll(OPENER)) count++;
  return count;
}

function containerDepth(line: string): number {
  if (!/^[ \t]*[>*+\-\d]/.test(line)) return 0;
  let depth = 0;
  let rest = line;
  // Beyond 64 levels the nesting check (util/text.ts) has refused the document already.
  for (let match = CONTAINER.exec(rest); match && depth < 64; match = CONTAINER.exec(rest)) {
    depth++;
    rest = rest.slice(match[0].length);
  }
  return depth;
}

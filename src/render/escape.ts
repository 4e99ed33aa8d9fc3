import { inertText } from '../util/text.js';

/**
 * Escaping for text from stage files, which is untrusted: it must render as the same text and never
 * as markup, a link, an image, a table cell boundary, an HTML tag or a GitHub @mention.
 */

/**
 * Characters that start markup anywhere in a line: code, emphasis, links and images (`[`, `]`; `!`
 * and `(` are inert without them), table cells, strikethrough, math, and ATX heading markers (a
 * trailing ` #` would otherwise be cut from a heading).
 */
const INLINE_SPECIAL = /[\\`*_[\]|~$#]/g;
/** Markup that only counts at the start of a line: list bullets, ordered-list numbers, setext underlines. */
const LINE_START = /^([-+=]|\d{1,9}(?=[.)]))/;
/** Every character some replacement of `markdownInline` acts on, besides `LINE_START`. */
const NEEDS_INLINE_ESCAPE = /[\r\n\u2028\u2029&<>\\`*_[\]|~$#@:\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]|www\./i;
/**
 * What GFM makes a link of with no markup at all (an autolink literal: `https://x`, `www.x`): the
 * `:` or the `.` is escaped, which renders the same text and no link. No word boundary is required:
 * GFM links `0https://x` too.
 */
const AUTOLINK_LITERAL = /(https?|ftp|mailto|xmpp|www)([:.])/gi;
/** The replacement for AUTOLINK_LITERAL: a scheme's `:` (or `www`'s `.`) escaped, anything else kept. */
const unlinkLiteral = (match: string, scheme: string, mark: string): string => ((mark === ':') === (scheme.toLowerCase() !== 'www') ? `${scheme}\\${mark}` : match);

/**
 * Inline markdown text: renders as exactly the text given, never as markup, HTML, an entity or an
 * @mention. Newlines fold to spaces (so it cannot start a block); only what could act as markup is
 * escaped, to keep the raw markdown readable in a diff.
 */
export function markdownInline(value: unknown): string {
  const text = String(value ?? '');
  // Most titles, ids and states hold nothing to escape: a pack of thousands of stages escapes tens of
  // thousands of them, and one test is much cheaper than the chain of replacements below.
  if (!NEEDS_INLINE_ESCAPE.test(text) && !LINE_START.test(text)) return text;
  // Line breaks fold to spaces before the other control characters are made visible.
  return inertText(text.replace(/\r\n?|\n|\u2028|\u2029/g, ' '))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(INLINE_SPECIAL, (char) => `\\${char}`)
    .replace(LINE_START, (start) => (/\d/.test(start) ? `${start}\\` : `\\${start}`))
    // Escaped brackets already cannot form a link; escaping `(` after one keeps `](javascript:` out of the text too.
    .replace(/\\\]\(/g, '\\]\\(')
    .replace(AUTOLINK_LITERAL, unlinkLiteral)
    // GitHub links `#12` to issue 12 in the rendered text, escaped or not: a zero-width space breaks it.
    .replace(/\\#(?=\d)/g, '\\#&#8203;')
    .replace(/@/g, '@&#8203;');
}

/** A markdown table cell: inline text, with nothing that could end the cell. */
export function markdownCell(value: unknown): string {
  return markdownInline(value);
}

/**
 * A block of markdown written by a user (a section of a stage), quoted so that it cannot close our
 * structure: headings are demoted into the quote, HTML and mentions are neutralised, links keep
 * their text but lose dangerous schemes.
 */
export function markdownBlockquote(value: unknown): string {
  const text = String(value ?? '').replace(/\r\n?/g, '\n').trim();
  if (text === '') return '>';
  let fenced = false;
  return text
    .split('\n')
    .map((line) => {
      const html = line.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/@/g, '@&#8203;');
      if (/^ {0,3}(?:```|~~~)/.test(line)) fenced = !fenced;
      if (fenced || /^ {0,3}(?:```|~~~)/.test(line)) return html;
      // Outside code, no link, image, reference definition or autolink literal can form: brackets
      // are escaped (their text stays), and so is the `:` or `.` GFM would make a link of.
      return html
        .split(/(`+[^`]*`+)/)
        .map((part, index) =>
          index % 2 === 1
            ? part
            : part
                .replace(/\]\(\s*(?:javascript|data|vbscript):/gi, '](#unsafe-link:')
                .replace(/\]:\s*(?:javascript|data|vbscript):/gi, ']: #unsafe-link:')
                .replace(/[[\]]/g, (bracket) => `\\${bracket}`)
                .replace(AUTOLINK_LITERAL, unlinkLiteral)
                // No issue reference (`#12`) outside code; a heading's `# ` is followed by a space, and
                // the `&#8203;` after an `@` (user `&` is `&amp;` by now) is ours.
                .replace(/(?<!&)#(?=\d)/g, '#&#8203;'),
        )
        .join('');
    })
    .map((line) => (line === '' ? '>' : `> ${line}`))
    .join('\n');
}

/**
 * A code span that renders as code, per CommonMark: its fence is a run of backticks longer than any
 * run inside (a run of another length never closes it), and one space pads each side when the text
 * starts or ends with a backtick or a space (CommonMark strips one such pair). Newlines fold to spaces.
 * Inside a code span nothing is markup: no link, image, HTML, entity or mention.
 */
export function markdownCode(value: unknown): string {
  const text = String(value ?? '').replace(/\r\n?|\n|\u2028|\u2029/g, ' ');
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = text === '' || (/^[` ]|[` ]$/.test(text) && /[^ ]/.test(text)) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/**
 * A code span inside a GFM table cell: GFM splits cells at every `|` not escaped, even inside code,
 * and turns `\\|` back into `|` within the span, so the pipe is escaped after the span is built.
 */
export function markdownCodeCell(value: unknown): string {
  return markdownCode(value).replace(/\|/g, '\\|');
}

/** A piece of a line made by stagedocs: plain text (escaped) or a code span (a command, a path). */
export type InlinePart = { text: string } | { code: string };

/** Renders parts as one inline line: text escaped with `markdownInline`, code as code spans. */
export function markdownParts(parts: unknown): string {
  return partsOf(parts)
    .map((part) => ('code' in part ? markdownCode(part.code) : markdownInline(part.text)))
    .join('');
}

/** The same, for a table cell. */
export function markdownPartsCell(parts: unknown): string {
  return partsOf(parts)
    .map((part) => ('code' in part ? markdownCodeCell(part.code) : markdownCell(part.text)))
    .join('');
}

/** The plain text of parts, code spans as backtick-quoted text (how `status` prints a next action). */
export function plainParts(parts: readonly InlinePart[]): string {
  return parts.map((part) => ('code' in part ? `\`${part.code}\`` : part.text)).join('');
}

function partsOf(parts: unknown): InlinePart[] {
  if (!Array.isArray(parts)) return [{ text: String(parts ?? '') }];
  return parts.map((part: unknown) => {
    const record = (part ?? {}) as Record<string, unknown>;
    return typeof record.code === 'string' ? { code: record.code } : { text: String(record.text ?? '') };
  });
}

/**
 * Text inside raw HTML that stagedocs writes (the `<summary>` of a details block, where markdown is
 * not parsed): HTML-escaped, newlines folded, and `@` and `#` followed by a zero-width space so that
 * GitHub makes no mention or issue reference of it.
 */
export function htmlText(value: unknown): string {
  return String(value ?? '')
    .replace(/[\r\n\u2028\u2029\t]+/g, ' ')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/([@#])/g, '$1&#8203;');
}

/**
 * A YAML scalar that reads back as exactly this string: always double-quoted (JSON string syntax is
 * valid YAML), so `no`, `null`, `1.10`, `: ` and `#` stay text.
 */
export function yamlString(value: unknown): string {
  return JSON.stringify(String(value ?? ''));
}

/** A YAML mapping key: plain when it is a plain word (every gate field, most `x-` keys), else quoted. */
export function yamlKey(value: unknown): string {
  const key = String(value ?? '');
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
}

/**
 * Any JSON value as one line of YAML flow style: strings quoted (JSON's escapes, which YAML reads the
 * same), numbers, booleans and null as they are, lists and mappings in brackets and braces. What the
 * scaffold writes a pattern's gate fields with, so that every field of any shape is copied verbatim.
 */
export function yamlFlow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlFlow).join(', ')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([key, item]) => `${yamlKey(key)}: ${yamlFlow(item)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  const text = String(value ?? '');
  // A plain word (`warning`, `no-stubs`, `npm`) stays plain unless YAML 1.1 would read it as a boolean or null.
  return /^[A-Za-z][A-Za-z0-9_-]*$/.test(text) && !/^(?:y|n|yes|no|on|off|true|false|null)$/i.test(text) ? text : JSON.stringify(text);
}

/** A heading's text: inline-escaped, so a title never becomes a different heading or markup. */
export function markdownHeading(value: unknown): string {
  return markdownInline(value);
}

/** Characters that end or restyle a quoted Mermaid label, as Mermaid's `#code;` entities. */
const MERMAID_ENTITIES: Record<string, string> = {
  '"': '#quot;',
  '#': '#35;',
  '&': '#38;',
  '<': '#lt;',
  '>': '#gt;',
  '|': '#124;',
  '[': '#91;',
  ']': '#93;',
  '{': '#123;',
  '}': '#125;',
  '(': '#40;',
  ')': '#41;',
  '`': '#96;',
  ';': '#59;',
  '\\': '#92;',
  '*': '#42;',
  _: '#95;',
  '@': '#64;',
};

/**
 * Text for a quoted Mermaid node label (`id["..."]`): entities for quotes, brackets, `|`, `<`, `>`,
 * backticks (which could also close the surrounding code fence), markdown-string markers and `@`, newlines
 * folded to spaces, so a title can neither end the label nor inject nodes, links or HTML.
 */
export function mermaidLabel(value: unknown): string {
  return String(value ?? '')
    .replace(/[\r\n\u2028\u2029\t]+/g, ' ')
    .replace(/["#&<>|[\]{}()`;\\*_@]/g, (char) => MERMAID_ENTITIES[char]!);
}

/**
 * Markdown authored by a template or pattern author (not untrusted data): its inline markup (code
 * spans, emphasis, links) is kept, but it is folded onto one line and cannot open a block (heading,
 * quote), raw HTML or a dangerous link, so it stays inside the list item or paragraph it is put in.
 */
export function markdownAuthored(value: unknown): string {
  const line = String(value ?? '')
    .replace(/\r\n?|\n|\u2028|\u2029/g, ' ')
    .trim();
  // Code spans show `<` as written; only the text between them could open an HTML tag.
  return line
    .split(/(`+[^`]*`+)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/\]\(\s*(?:javascript|data|vbscript):/gi, '](#unsafe-link:')))
    .join('')
    .replace(/^([#>])/, '\\$1');
}

/**
 * A fenced code block holding untrusted lines verbatim: the fence is longer than any run of backticks
 * or tildes inside, so the content cannot close it early.
 */
export function markdownFence(lines: unknown): string {
  const text = (Array.isArray(lines) ? lines.map(String).join('\n') : String(lines ?? '')).replace(/\r\n?/g, '\n');
  const longestRun = Math.max(2, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  return `${fence}text\n${text}\n${fence}`;
}

/**
 * The literal text of a repository's template override: its block structure stays (headings, lists,
 * quotes, tables, emphasis, code), but it can write nothing a reviewer would follow or be notified
 * by. `<` and `&` become entities (no raw HTML, no `<https://...>` autolink, no entity that decodes
 * to markup), brackets are escaped (no link, image or reference definition), autolink literals lose
 * their `:` or `.`, and `@` and a `#` that does not open a heading get a zero-width space (no mention,
 * no issue reference). `atLineStart`: the text begins a line, so a leading `#` may be a heading.
 */
export function markdownLiteral(text: string, atLineStart: boolean): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/[[\]]/g, (bracket) => `\\${bracket}`)
    .replace(AUTOLINK_LITERAL, unlinkLiteral)
    .replace(/(^|\n)?( {0,3}#{1,6}(?= |\n|$))|#/g, (match, lineStart: string | undefined, heading: string | undefined, offset: number) =>
      heading !== undefined && (lineStart === '\n' || (offset === 0 && atLineStart)) ? match : match.replace(/#/g, '#&#8203;'),
    )
    // After the `#` step, whose zero-width spaces are entities with a `#` of their own.
    .replace(/@/g, '@&#8203;');
}

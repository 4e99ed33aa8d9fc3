import type { Link, Section } from '../model/documents.js';

/**
 * A fast line-based reader of the markdown structure stagedocs uses: YAML frontmatter, ATX headings,
 * sections, top-level list items and inline links. remark (micromark) stays the reference: the scanner
 * only answers for documents made of constructs whose reading it can decide exactly, and returns
 * undefined for anything else (block quotes, setext headings, indented code, nested fences, reference
 * definitions, autolinks, escapes near links, lazy continuation lines, ...), so that the caller falls
 * back to remark. test/parse/scan.test.ts checks it against remark on generated and real documents.
 */
interface ScannedStructure {
  /** The YAML between the fences, as remark-frontmatter gives it. */
  frontmatter: string;
  /** 0-based index of the closing fence line, and the offset just after it. */
  closingLine: number;
  closingEnd: number;
  sections: Section[];
  links: Link[];
}

interface Heading {
  depth: number;
  title: string;
  index: number;
  endOffset: number;
}

interface Item {
  index: number;
  endIndex: number;
  /** Index of the last heading before the item (-1: before any heading). */
  heading: number;
}

const UNSAFE_BODY = /[\t\f\v\r\u0000\u0001]/;
const BLANK = /^ *$/;
const ATX = /^(#{1,6}) +(.*)$/;
const PLAIN_TITLE = /^[^`*_[\]<>\\#]*[^`*_[\]<>\\# ]$/;
const ENTITY_LIKE = /&[A-Za-z0-9#]/;
const BULLET = /^([-*+]) (.*)$/;
const ORDERED = /^(\d{1,9})([.)]) (.*)$/;
const FENCE_OPEN = /^(`{3,}|~{3,})(.*)$/;
/** Characters that can start a block construct at the beginning of a line. */
const UNSAFE_START = /^(?:[#>\-*+=_~<\\ ]|```|\d{1,9}[.)](?: |$))/;
const AUTOLINK = /<[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<> \n]*>|<[^<> \n@]+@[^<> \n]+>/;
const TAG_START = /<[A-Za-z/!?]/;
const LINK = /(!?)\[([^[\]\\]*)\]\(([^ \n()<>\\`&\u0001]*)\)/g;
const CODE_MASK = '\u0001';

export function scanMarkdown(text: string, lines: readonly string[]): ScannedStructure | undefined {
  if (lines[0] !== '---') return undefined;
  let closing = -1;
  for (let i = 1; i < lines.length; i++) {
    if (/^---[ \t]*$/.test(lines[i]!)) {
      closing = i;
      break;
    }
  }
  if (closing === -1 || lines[closing] !== '---') return undefined;
  const starts = lineStarts(lines);
  const closingEnd = starts[closing]! + 3;
  if (UNSAFE_BODY.test(text.slice(closingEnd))) return undefined;

  const headings: Heading[] = [];
  const items: Item[] = [];
  /** Lines of inline text, grouped into paragraphs (code spans never cross a paragraph). */
  const segments: number[][] = [];
  let segment: number[] | undefined;
  let item: Item | undefined;
  let contentIndent = 0;
  let listKind = '';
  let previous: 'blank' | 'heading' | 'paragraph' | 'item' | 'block' = 'blank';

  const startSegment = (index: number) => {
    segment = [index];
    segments.push(segment);
  };
  const endList = () => {
    item = undefined;
    listKind = '';
  };

  for (let i = closing + 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (BLANK.test(line)) {
      previous = 'blank';
      segment = undefined;
      continue;
    }
    const indent = /^ */.exec(line)![0].length;
    if (item && indent > 0) {
      // Inside the current top-level item, by indentation.
      if (indent < contentIndent || (previous === 'blank' && indent >= 4)) return undefined;
      const content = line.slice(indent);
      if (isItemStart(content)) {
        // A nested ordered list may or may not start here depending on what precedes: left to remark.
        if (!/^[-*+] /.test(content)) {
          if (!/^1[.)] /.test(content)) return undefined;
        }
        startSegment(i);
      }
      else if (UNSAFE_START.test(content)) return undefined;
      else if (previous === 'blank' || !segment) startSegment(i);
      else segment.push(i);
      item.endIndex = i;
      previous = 'item';
      continue;
    }
    if (indent > 0) return undefined;

    const atx = ATX.exec(line);
    if (atx) {
      const title = atx[2]!;
      if (!PLAIN_TITLE.test(title) || ENTITY_LIKE.test(title)) return undefined;
      // remark's title is the heading's text, trimmed by the caller the same way.
      headings.push({ depth: atx[1]!.length, title: title.trim(), index: i, endOffset: starts[i]! + line.length });
      endList();
      segment = undefined;
      previous = 'heading';
      continue;
    }
    if (line.startsWith('<!--')) {
      if (line.startsWith('<!-->') || line.startsWith('<!--->')) return undefined;
      let end = i;
      if (!line.includes('-->', 4)) {
        end = i + 1;
        while (end < lines.length && !lines[end]!.includes('-->')) end++;
      }
      i = end;
      endList();
      segment = undefined;
      previous = 'block';
      continue;
    }
    const fence = FENCE_OPEN.exec(line);
    if (fence) {
      const marker = fence[1]!;
      if (marker[0] === '`' && fence[2]!.includes('`')) return undefined;
      const closingFence = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},} *$`);
      let end = i + 1;
      while (end < lines.length && !closingFence.test(lines[end]!)) end++;
      i = end;
      endList();
      segment = undefined;
      previous = 'block';
      continue;
    }
    const bullet = BULLET.exec(line);
    const ordered = bullet ? undefined : ORDERED.exec(line);
    if (bullet || ordered) {
      const content = (bullet ? bullet[2] : ordered![3])!;
      if (content === '' || content.startsWith(' ') || UNSAFE_START.test(content)) return undefined;
      const kind = bullet ? bullet[1]! : `1${ordered![2]}`;
      const sibling = item !== undefined && previous !== 'blank' && kind === listKind;
      // An ordered list interrupting a paragraph (or a list of another kind) must start at 1.
      if (ordered && previous !== 'blank' && !sibling && ordered[1] !== '1') return undefined;
      item = { index: i, endIndex: i, heading: headings.length - 1 };
      items.push(item);
      listKind = kind;
      contentIndent = bullet ? 2 : ordered![1]!.length + 2;
      startSegment(i);
      previous = 'item';
      continue;
    }
    if (UNSAFE_START.test(line)) return undefined;
    // Unindented text right after an item would be a lazy continuation line: left to remark.
    if (item && previous === 'item') return undefined;
    endList();
    if (previous === 'paragraph' && segment) segment.push(i);
    else startSegment(i);
    previous = 'paragraph';
  }

  const links = scanLinks(lines, segments);
  if (!links) return undefined;
  return { frontmatter: lines.slice(1, closing).join('\n'), closingLine: closing, closingEnd, sections: sectionsOf(text, lines, starts, headings, items), links };
}

function isItemStart(content: string): boolean {
  const match = BULLET.exec(content) ?? ORDERED.exec(content);
  if (!match) return false;
  const rest = match[match.length - 1]!;
  return rest !== '' && !rest.startsWith(' ') && !UNSAFE_START.test(rest);
}

function lineStarts(lines: readonly string[]): number[] {
  const starts = new Array<number>(lines.length);
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    starts[i] = offset;
    offset += lines[i]!.length + 1;
  }
  return starts;
}

/** Inline links and images of every paragraph, or undefined when one is beyond the scanner. */
function scanLinks(lines: readonly string[], segments: number[][]): Link[] | undefined {
  const links: Link[] = [];
  for (const indexes of segments) {
    const raw = indexes.map((i) => lines[i]!).join('\n');
    const hasLinkSyntax = raw.includes('](');
    if (!hasLinkSyntax && !raw.includes('<') && !raw.includes(']:')) continue;
    if (raw.includes(']:') || AUTOLINK.test(raw)) return undefined;
    if (!hasLinkSyntax) continue;
    if (raw.includes('\\') || TAG_START.test(raw)) return undefined;
    const masked = maskCodeSpans(raw).split('\n');
    for (let k = 0; k < indexes.length; k++) {
      const line = masked[k]!;
      const expected = line.split('](').length - 1;
      if (expected === 0) continue;
      let found = 0;
      for (const match of line.matchAll(LINK)) {
        found++;
        const column = match.index + 1;
        links.push({ url: match[3]!, line: indexes[k]! + 1, column });
      }
      if (found !== expected) return undefined;
    }
  }
  return links;
}

/** Replaces the characters of code spans (backticks included) by a mask, keeping line breaks. */
function maskCodeSpans(text: string): string {
  if (!text.includes('`')) return text;
  let out = '';
  let i = 0;
  while (i < text.length) {
    if (text[i] !== '`') {
      out += text[i];
      i++;
      continue;
    }
    let run = i;
    while (text[run] === '`') run++;
    const size = run - i;
    let search = run;
    let close = -1;
    while (search < text.length) {
      const next = text.indexOf('`', search);
      if (next === -1) break;
      let end = next;
      while (text[end] === '`') end++;
      if (end - next === size) {
        close = end;
        break;
      }
      search = end;
    }
    if (close === -1) {
      out += text.slice(i, run);
      i = run;
      continue;
    }
    out += text.slice(i, close).replace(/[^\n]/g, CODE_MASK);
    i = close;
  }
  return out;
}

function sectionsOf(text: string, lines: readonly string[], starts: number[], headings: Heading[], items: Item[]): Section[] {
  // Items grouped by their heading once: filtering all items per heading is quadratic.
  const itemsOf = new Map<number, Item[]>();
  for (const item of items) {
    const group = itemsOf.get(item.heading);
    if (group) group.push(item);
    else itemsOf.set(item.heading, [item]);
  }
  return headings.map((heading, h) => {
    let next = h + 1;
    while (next < headings.length && headings[next]!.depth > heading.depth) next++;
    const boundaryHeading = headings[next];
    const boundaryIndex = boundaryHeading ? boundaryHeading.index : lines.length;
    let contentIndex = -1;
    for (let i = heading.index + 1; i < boundaryIndex; i++) {
      if (!BLANK.test(lines[i]!)) {
        contentIndex = i;
        break;
      }
    }
    const raw = text.slice(heading.endOffset, boundaryHeading ? starts[boundaryHeading.index] : text.length);
    return {
      title: heading.title,
      depth: heading.depth,
      line: heading.index + 1,
      column: 1,
      endLine: boundaryHeading ? boundaryHeading.index : lines.length,
      text: raw.replace(/^\n+/, '').trimEnd(),
      contentLine: contentIndex === -1 ? heading.index + 1 : contentIndex + 1,
      empty: isEmptyContent(raw),
      items: (itemsOf.get(h) ?? []).map((item) => {
          const { text: itemText, markerWidth } = listItemText(text.slice(starts[item.index], starts[item.endIndex]! + lines[item.endIndex]!.length));
          return { text: itemText, line: item.index + 1, column: 1 + markerWidth };
        }),
    };
  });
}

const LIST_MARKER = /^[ \t]*(?:[*+-]|\d{1,9}[.)])[ \t]*(?:\[[ xX]\][ \t]*)?/;

/**
 * A list item's text without its marker and task box, white space collapsed, and how many columns the
 * marker takes on its first line (so a finding points at the text). Shared with the remark path.
 */
export function listItemText(source: string): { text: string; markerWidth: number } {
  const marker = LIST_MARKER.exec(source)?.[0] ?? '';
  return { text: source.slice(marker.length).replace(/\s+/g, ' ').trim(), markerWidth: marker.length };
}

/** True when section content holds nothing but white space and HTML comments. Shared with the remark path. */
export function isEmptyContent(raw: string): boolean {
  return raw.replace(/<!--[\s\S]*?(?:-->|$)/g, '').trim() === '';
}

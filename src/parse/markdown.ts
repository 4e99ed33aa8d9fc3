import type { Heading, List, Nodes, Root, Yaml } from 'mdast';
import type { Position } from '../model/diagnostic.js';
import type { Link, Section } from '../model/documents.js';
import { findParserHazard, type ParserHazard } from './hazards.js';
import { isEmptyContent, listItemText, scanMarkdown } from './scan.js';
import { parseYaml, type YamlProblem } from './yaml.js';

let remark: ((text: string) => Root) | undefined;

/**
 * remark, loaded for the first document the line scanner leaves to it: with micromark it takes about
 * 50 ms to load, and the scanner reads nearly every stage document, so most runs never need it.
 */
async function loadRemark(): Promise<(text: string) => Root> {
  remark ??= (await import('./remark.js')).remarkTree;
  return remark;
}

interface MarkdownStructure {
  /** Frontmatter data, undefined when absent or unreadable. */
  data: unknown;
  hasFrontmatter: boolean;
  /**
   * The places of the frontmatter's keys and values. Undefined when they were to be read when asked
   * for (`Places`) and the fast YAML reader read the frontmatter: parse/document.ts reads them again
   * from `frontmatter` then.
   */
  positions: Record<string, Position> | undefined;
  /** The frontmatter's YAML text (it starts on line 2); '' without frontmatter. */
  frontmatter: string;
  /** JSON pointer -> the text of a plain scalar YAML read as another type than string. */
  coerced: Record<string, string>;
  dataStart: Position;
  /** Problems with the frontmatter block itself or its YAML (rule `frontmatter-syntax`). */
  problems: YamlProblem[];
  sections: Section[];
  links: Link[];
  bodyStartLine: number;
  body: string;
  lineCount: number;
  /** Set when the document is beyond what remark reads in bounded time: nothing else was read. */
  hazard?: ParserHazard;
}

const FENCE = /^---[ \t]*$/;
const CLOSING_FENCE = /^(?:---|\.\.\.)[ \t]*$/;

/**
 * Parses normalised markdown (see normalizeText) into frontmatter, sections and links. Pure: it never
 * reads a file. Malformed frontmatter fences, which remark silently treats as "no frontmatter", are
 * detected here and reported.
 */
export function parseMarkdown(text: string, places: Places = 'now'): Promise<MarkdownStructure> {
  return readMarkdown(text, true, places);
}

/** The same, always with remark: the reference the fast scanner is tested against. */
export function parseMarkdownWithRemark(text: string): Promise<MarkdownStructure> {
  return readMarkdown(text, false, 'now');
}

/**
 * When the places of the frontmatter's keys and values are read: `now`, or `when-asked` (then a
 * frontmatter the fast YAML reader reads has none yet: see `MarkdownStructure.positions`).
 */
export type Places = 'now' | 'when-asked';

async function readMarkdown(text: string, fast: boolean, places: Places): Promise<MarkdownStructure> {
  const lines = text.split('\n');
  const problems: YamlProblem[] = [];
  const fenceProblem = checkFences(lines);
  if (fenceProblem) problems.push(fenceProblem);

  const scanned = fast ? scanMarkdown(text, lines) : undefined;
  if (scanned) {
    return {
      ...frontmatterOf(scanned.frontmatter, problems, places),
      hasFrontmatter: true,
      frontmatter: scanned.frontmatter,
      dataStart: { line: 2, column: 1 },
      problems,
      sections: scanned.sections,
      links: scanned.links,
      bodyStartLine: scanned.closingLine + 2,
      body: text.slice(scanned.closingEnd + 1),
      lineCount: lines.length,
    };
  }

  const hazard = findParserHazard(text);
  if (hazard) {
    return { data: undefined, hasFrontmatter: false, positions: {}, frontmatter: '', coerced: {}, dataStart: { line: 1, column: 1 }, problems, sections: [], links: [], bodyStartLine: 1, body: '', lineCount: lines.length, hazard };
  }
  const tree = (remark ?? (await loadRemark()))(text);
  const yamlNode = tree.children[0]?.type === 'yaml' ? (tree.children[0] as Yaml) : undefined;
  const frontmatter = yamlNode ? frontmatterOf(yamlNode.value, problems, places) : { data: undefined, positions: {}, coerced: {} };
  const bodyStartLine = yamlNode?.position ? yamlNode.position.end.line + 1 : 1;
  const bodyStartOffset = yamlNode?.position?.end.offset !== undefined ? yamlNode.position.end.offset + 1 : 0;
  return {
    ...frontmatter,
    hasFrontmatter: yamlNode !== undefined,
    frontmatter: yamlNode?.value ?? '',
    dataStart: { line: yamlNode ? 2 : 1, column: 1 },
    problems,
    sections: collectSections(tree, text),
    links: collectLinks(tree),
    bodyStartLine,
    body: text.slice(bodyStartOffset),
    lineCount: lines.length,
  };
}

/**
 * The places of a frontmatter's keys and values read again from its text, as `frontmatterOf` reads
 * them now: for a structure made with `places: 'when-asked'`, whose `positions` is then undefined.
 */
export function frontmatterPositions(yaml: string): Record<string, Position> {
  return parseYaml(yaml, 2).positions;
}

/** Reads the frontmatter YAML (it starts on line 2), adding its problems to `problems`. */
function frontmatterOf(yaml: string, problems: YamlProblem[], places: Places): Pick<MarkdownStructure, 'data' | 'positions' | 'coerced'> {
  const parsed = parseYaml(yaml, 2, places === 'now');
  problems.push(...parsed.problems);
  let data = parsed.data;
  if (parsed.problems.length === 0 && (data === null || typeof data !== 'object' || Array.isArray(data))) {
    problems.push({
      line: 2,
      column: 1,
      message: `Frontmatter is ${data === null ? 'empty' : Array.isArray(data) ? 'a list' : `a ${typeof data}`}, expected a mapping of keys to values`,
      hint: 'Write the frontmatter as `key: value` lines between the two `---` lines.',
    });
    data = undefined;
  }
  return { data, positions: parsed.positions, coerced: parsed.coerced };
}

function checkFences(lines: string[]): YamlProblem | undefined {
  const firstContent = lines.findIndex((line) => line.trim() !== '');
  if (firstContent > 0 && FENCE.test(lines[firstContent] ?? '')) {
    return {
      line: firstContent + 1,
      column: 1,
      message: `Frontmatter starts on line ${firstContent + 1}, expected it on line 1; markdown then reads it as text`,
      hint: 'Remove the blank lines before the opening `---`.',
    };
  }
  if (firstContent === 0 && FENCE.test(lines[0] ?? '')) {
    const closed = lines.slice(1).some((line) => CLOSING_FENCE.test(line));
    if (!closed) {
      return {
        line: 1,
        column: 1,
        message: 'Frontmatter opened with `---` on line 1 is never closed, expected a closing `---` line',
        hint: 'Add a line `---` after the last frontmatter key.',
      };
    }
  }
  return undefined;
}

function collectSections(tree: Root, text: string): Section[] {
  const lineTotal = text.split('\n').length;
  const blocks = tree.children.filter((node) => node.type !== 'yaml');
  const sections: Section[] = [];
  blocks.forEach((node, index) => {
    if (node.type !== 'heading' || !node.position) return;
    const heading = node as Heading;
    let end = index + 1;
    while (end < blocks.length) {
      const next = blocks[end]!;
      if (next.type === 'heading' && (next as Heading).depth <= heading.depth) break;
      end++;
    }
    const content = blocks.slice(index + 1, end);
    const contentStart = heading.position!.end.offset!;
    const boundary = blocks[end]?.position?.start.offset ?? text.length;
    const nextLine = blocks[end]?.position?.start.line;
    const raw = text.slice(contentStart, boundary);
    // Content of the section itself stops at its first sub-heading.
    const firstHeading = content.findIndex((c) => c.type === 'heading');
    const directContent = firstHeading === -1 ? content : content.slice(0, firstHeading);
    sections.push({
      title: nodeText(heading).trim(),
      depth: heading.depth,
      line: heading.position!.start.line,
      column: heading.position!.start.column,
      endLine: nextLine !== undefined ? nextLine - 1 : lineTotal,
      text: raw.replace(/^\n+/, '').trimEnd(),
      contentLine: content[0]?.position?.start.line ?? heading.position!.start.line,
      empty: isEmptyContent(raw),
      items: directContent
        .filter((child): child is List => child.type === 'list')
        .flatMap((list) =>
          list.children.map((item) => {
            // The source text, so that inline code keeps its backticks for rules that look for commands.
            const { text: itemText, markerWidth } = listItemText(text.slice(item.position?.start.offset ?? 0, item.position?.end.offset ?? 0));
            // The column where the item's text starts, after its bullet (and checkbox).
            return { text: itemText, line: item.position?.start.line ?? 0, column: (item.position?.start.column ?? 0) + markerWidth };
          }),
        ),
    });
  });
  return sections;
}

function collectLinks(tree: Root): Link[] {
  const links: Link[] = [];
  const visit = (node: Nodes): void => {
    if ((node.type === 'link' || node.type === 'definition' || node.type === 'image') && node.position) {
      links.push({ url: node.url, line: node.position.start.line, column: node.position.start.column });
    }
    if ('children' in node) for (const child of node.children) visit(child as Nodes);
  };
  visit(tree);
  return links;
}

/** The plain text of a node, like mdast-util-to-string. */
function nodeText(node: Nodes): string {
  if ('value' in node && typeof node.value === 'string') return node.value;
  if ('children' in node) return (node.children as Nodes[]).map(nodeText).join(node.type === 'listItem' ? '\n' : '');
  return '';
}

import { isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

/**
 * Where the cursor is in the YAML of a document: pure functions over text, which the hover,
 * completion and code action handlers share.
 */

/** A step of a path into YAML data: a mapping key or a sequence index. */
export type Segment = string | number;

/** The YAML of a document: the frontmatter of a markdown file, or a whole YAML or JSON file. */
export interface YamlRegion {
  text: string;
  /** The 0-based line of the document where `text` starts. */
  firstLine: number;
  /** The 0-based line of the closing `---`, or undefined when the region runs to the end. */
  closingLine?: number;
}

/** The frontmatter of a markdown document (also while it is being typed, without its closing `---`). */
export function frontmatterOf(text: string): YamlRegion | undefined {
  const lines = text.split('\n');
  if (lines[0]?.replace(/^\uFEFF/, '').trimEnd() !== '---') return undefined;
  const close = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)\s*$/.test(line));
  const end = close === -1 ? lines.length : close;
  return { text: lines.slice(1, end).join('\n'), firstLine: 1, ...(close === -1 ? {} : { closingLine: close }) };
}

/** The offset of a 0-based line and character in `text`. */
export function offsetAt(text: string, line: number, character: number): number {
  let offset = 0;
  for (let k = 0; k < line; k++) {
    const next = text.indexOf('\n', offset);
    if (next === -1) return text.length;
    offset = next + 1;
  }
  return offset + character;
}

/** The 0-based line and character of an offset in `text`. */
export function positionAt(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

/** The node under an offset of YAML text: its path, whether the offset is on a key or a value, and the node's range. */
interface NodeAt {
  path: Segment[];
  on: 'key' | 'value';
  start: number;
  end: number;
}

export function nodeAt(yaml: string, offset: number): NodeAt | undefined {
  const doc = parseDocument(yaml, { prettyErrors: false, uniqueKeys: false });
  return doc.contents ? walk(doc.contents as YamlNode, [], offset) : undefined;
}

function within(node: { range?: [number, number, number] | null } | null | undefined, offset: number): boolean {
  return !!node?.range && node.range[0] <= offset && offset <= node.range[1];
}

function walk(node: YamlNode, path: Segment[], offset: number): NodeAt | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = pair.key as YamlNode | null;
      if (!isScalar(key)) continue;
      const name = String(key.value);
      if (within(key, offset)) return { path: [...path, name], on: 'key', start: key.range![0], end: key.range![1] };
      const value = pair.value as YamlNode | null;
      if (value && within(value, offset)) return walk(value, [...path, name], offset);
    }
    return undefined;
  }
  if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      if (item && within(item as YamlNode, offset)) return walk(item as YamlNode, [...path, index], offset);
    }
    return undefined;
  }
  if (isScalar(node) && node.range) return { path, on: 'value', start: node.range[0], end: node.range[1] };
  return undefined;
}

/** What completion completes at the cursor: a key of the mapping at `path`, or the value at `path`. */
interface CompletionSpot {
  path: Segment[];
  on: 'key' | 'value';
  /** What is typed of the key or value so far. */
  prefix: string;
  /** Keys the mapping already has (for `on: 'key'`). */
  present: string[];
}

const KEY_LINE = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*)\s*:(?:\s+(.*))?$/;

/**
 * The completion spot at a 0-based line and character of YAML text, from the indentation of the
 * lines above (the text being typed is seldom valid YAML, so this does not parse it).
 */
export function completionSpot(yaml: string, line: number, character: number): CompletionSpot | undefined {
  const lines = yaml.split('\n');
  const current = lines[line];
  if (current === undefined) return undefined;
  const before = current.slice(0, character);
  if (/^\s*#/.test(before)) return undefined;

  // `key: partial`, `key: [a, partial`, `- key: partial`
  const valued = /^(\s*)(-\s+)?([A-Za-z_][\w.-]*)\s*:\s+(.*)$/.exec(before);
  if (valued) {
    const [, indent = '', dash, key = '', typed = ''] = valued;
    const parent = dash ? [...parentPath(lines, line, indent.length, true), 0] : parentPath(lines, line, indent.length, false);
    const flow = typed.lastIndexOf('[');
    if (flow !== -1) return { path: [...parent, key, 0], on: 'value', prefix: typed.slice(flow + 1).split(',').pop()!.trim(), present: [] };
    return { path: [...parent, key], on: 'value', prefix: typed.replace(/^["']/, ''), present: [] };
  }
  // `partial` or `- partial` as a key
  const keyed = /^(\s*)(-\s+)?([\w.-]*)$/.exec(before);
  if (keyed) {
    const [, indent = '', dash, typed = ''] = keyed;
    if (dash && isScalarSequence(lines, line, indent.length)) {
      return { path: [...parentPath(lines, line, indent.length, true), 0], on: 'value', prefix: typed, present: [] };
    }
    const column = indent.length + (dash?.length ?? 0);
    const path = dash ? [...parentPath(lines, line, indent.length, true), 0] : parentPath(lines, line, column, false);
    return { path, on: 'key', prefix: typed, present: siblingKeys(lines, line, column, !!dash) };
  }
  return undefined;
}

/** Whether the sequence a `- ` line belongs to holds plain values rather than mappings (`depends_on:\n  - P1-S01`). */
function isScalarSequence(lines: readonly string[], line: number, indent: number): boolean {
  for (let k = line - 1; k >= 0; k--) {
    const text = lines[k]!;
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const at = text.length - text.trimStart().length;
    if (at === indent && /^\s*-\s/.test(text)) return !KEY_LINE.test(text);
    if (at <= indent) return KEY_LINE.test(text) && !/:\s*\S/.test(text.replace(/#.*$/, '')) && !lines.slice(k + 1, line).some((l) => KEY_LINE.test(l));
  }
  return false;
}

/**
 * The path of the mapping whose keys start at `column` on `line`: the keys of the lines above with
 * less indentation. `inItem`: the line starts a sequence item (`- `) at `column`, whose sequence is
 * the value of the nearest key above at the same or less indentation.
 */
function parentPath(lines: readonly string[], line: number, column: number, inItem: boolean): Segment[] {
  const path: Segment[] = [];
  let want = column;
  let sequenceAt = inItem ? column : -1;
  for (let k = line - 1; k >= 0 && (want > 0 || sequenceAt >= 0); k--) {
    const text = lines[k]!;
    if (!text.trim() || text.trim().startsWith('#')) continue;
    const indent = text.length - text.trimStart().length;
    const match = KEY_LINE.exec(text.replace(/\s+#.*$/, ''));
    const dash = /^\s*-\s+/.exec(text);
    if (sequenceAt >= 0) {
      if (dash && indent === sequenceAt) continue; // another item of the same sequence
      if (match && !match[2] && indent <= sequenceAt) {
        path.unshift(match[3]!);
        want = indent;
        sequenceAt = -1;
      }
      continue;
    }
    if (dash) {
      const keyColumn = dash[0].length;
      if (indent < want && match && keyColumn === want) {
        // A sibling key of this item's mapping: the cursor is inside the item.
        path.unshift(0);
        sequenceAt = indent;
      } else if (indent < want && match && keyColumn < want && !match[4]) {
        // `- key:` with the cursor's mapping nested under it.
        path.unshift(0, match[3]!);
        sequenceAt = indent;
      }
      continue;
    }
    if (match && indent < want) {
      path.unshift(match[3]!);
      want = indent;
    }
  }
  return path;
}

/** The keys already written in the mapping the cursor line belongs to. */
function siblingKeys(lines: readonly string[], line: number, column: number, startsItem: boolean): string[] {
  const keys: string[] = [];
  const scan = (from: number, step: number) => {
    for (let k = from; k >= 0 && k < lines.length; k += step) {
      const text = lines[k]!;
      if (!text.trim() || text.trim().startsWith('#')) continue;
      const indent = text.length - text.trimStart().length;
      const match = KEY_LINE.exec(text);
      const dash = /^\s*-\s+/.exec(text);
      const keyColumn = dash ? dash[0].length : indent;
      if (dash && keyColumn === column) {
        // The first line of an item: of the cursor's own item going up, of the next one going down.
        if (step < 0 && !startsItem && match) keys.push(match[3]!);
        break;
      }
      if (keyColumn < column) break;
      if (keyColumn === column && match) keys.push(match[3]!);
    }
  };
  scan(line - 1, -1);
  scan(line + 1, 1);
  return keys.sort();
}

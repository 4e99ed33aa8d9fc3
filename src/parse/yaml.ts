import { createRequire } from 'node:module';
import type * as YamlLibrary from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Position } from '../model/diagnostic.js';
import { truncate } from '../util/text.js';
import { pointerSegment } from '../model/documents.js';
import { readFastYaml } from './yaml-fast.js';

export interface YamlProblem extends Position {
  message: string;
  hint?: string;
}

interface ParsedYaml<P extends Record<string, Position> | undefined = Record<string, Position>> {
  data: unknown;
  /**
   * JSON pointer -> place of the value; `#key:` + pointer -> place of the key. Undefined when they were
   * not asked for and the fast reader read the text: `readFastYaml(text, firstLine)` gives them.
   */
  positions: P;
  /** JSON pointer -> source text of each unquoted value YAML read as a number, boolean or null. */
  coerced: Record<string, string>;
  problems: YamlProblem[];
}

const require = createRequire(import.meta.url);
let library: typeof YamlLibrary | undefined;

/**
 * The `yaml` package, loaded on first use (about 20 ms): the fast reader answers for the frontmatter of
 * most documents and for most configuration files, so most runs never need it.
 */
export function yamlLibrary(): typeof YamlLibrary {
  library ??= require('yaml') as typeof YamlLibrary;
  return library;
}

const TOO_DEEP = /Maximum call stack size exceeded/;
const TOO_DEEP_MESSAGE = 'YAML nests too deep to read, expected a few levels of keys and lists';
const TOO_DEEP_HINT = 'Flatten the frontmatter: stage fields are at most three levels deep.';

/** Aliases beyond this many are an alias bomb, not a document. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML text with the places of every key and value. `firstLine` is the 1-based line of the
 * text's first line in its file (frontmatter starts on line 2). Never throws: every problem, warnings
 * included (an unknown `!!js/function` tag only warns and silently becomes a string), is returned.
 */
export function parseYaml(text: string, firstLine?: number): ParsedYaml;
/** Without the places when the fast reader reads the text (most frontmatter): see `ParsedYaml.positions`. */
export function parseYaml(text: string, firstLine: number, withPositions: boolean): ParsedYaml<Record<string, Position> | undefined>;
export function parseYaml(text: string, firstLine = 1, withPositions = true): ParsedYaml<Record<string, Position> | undefined> {
  const fast = readFastYaml(text, firstLine, withPositions);
  if (fast) return { data: fast.data, positions: fast.positions, coerced: fast.coerced, problems: [] };
  return parseYamlWithLibrary(text, firstLine);
}

/** The same with the `yaml` package, always: the reference the fast reader is tested against. */
export function parseYamlWithLibrary(text: string, firstLine = 1): ParsedYaml {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const place = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + firstLine - 1, column: col };
  };
  const problems: YamlProblem[] = [];
  const positions: Record<string, Position> = {};
  const coerced: Record<string, string> = {};
  let data: unknown;
  try {
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.2' });
    for (const issue of [...doc.errors, ...doc.warnings]) {
      const at = place(issue.pos[0]);
      if (TOO_DEEP.test(issue.message)) {
        // yaml reports each level it gave up on; one message at the first is enough.
        if (!problems.some((problem) => problem.message === TOO_DEEP_MESSAGE)) problems.push({ ...at, message: TOO_DEEP_MESSAGE, hint: TOO_DEEP_HINT });
        continue;
      }
      problems.push({ ...at, message: messageFor(issue.code, issue.message, text.slice(issue.pos[0])), hint: hintFor(issue.code, issue.message) });
    }
    if (problems.length === 0) {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      if (doc.contents) collectPositions(doc.contents as YamlNode, '', { positions, coerced, text, place });
    }
  } catch (error) {
    // yaml throws a ReferenceError, not a YAMLParseError, for an alias bomb or an unresolved alias,
    // and a RangeError when the nesting exhausts the stack.
    const reason = error instanceof Error ? error.message : String(error);
    const tooDeep = TOO_DEEP.test(reason);
    problems.push({
      line: firstLine,
      column: 1,
      message: tooDeep ? TOO_DEEP_MESSAGE : `YAML could not be read: ${firstSentence(reason)}`,
      hint: tooDeep ? TOO_DEEP_HINT : 'Remove the aliases (`*name`) or expand them by hand.',
    });
    data = undefined;
  }
  return { data, positions, coerced, problems };
}

interface Collector {
  positions: Record<string, Position>;
  coerced: Record<string, string>;
  text: string;
  place: (offset: number) => Position;
}

function collectPositions(node: YamlNode, pointer: string, into: Collector): void {
  const { isAlias, isMap, isScalar, isSeq } = yamlLibrary();
  if (node.range) into.positions[pointer] = into.place(node.range[0]);
  if (isScalar(node)) {
    // `id: 1.10` reads as 1.1 and `sha: 12e4567` as Infinity: keep what was written for the hint.
    if (node.type === 'PLAIN' && typeof node.value !== 'string' && node.range) into.coerced[pointer] = into.text.slice(node.range[0], node.range[1]);
  } else if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = `${pointer}/${pointerSegment(key)}`;
      if (isScalar(pair.key) && pair.key.range) into.positions[`#key:${child}`] = into.place(pair.key.range[0]);
      if (pair.value && !isAlias(pair.value)) collectPositions(pair.value as YamlNode, child, into);
      else if (isAlias(pair.value) && pair.value.range) into.positions[child] = into.place(pair.value.range[0]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const child = `${pointer}/${index}`;
      if (item && !isAlias(item)) collectPositions(item as YamlNode, child, into);
      else if (isAlias(item) && item.range) into.positions[child] = into.place(item.range[0]);
    });
  }
}

function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/** yaml's message, made specific where it leaves out what it found (the repeated key, the tag). */
function messageFor(code: string, message: string, sourceFromIssue: string): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^\s*([^:\n]*?)\s*:/.exec(sourceFromIssue)?.[1];
    if (key) return `Duplicate key \`${truncate(key)}\`, expected each key once`;
  }
  if (code === 'TAG_RESOLVE_FAILED') {
    const tag = /^!\S*/.exec(sourceFromIssue)?.[0];
    if (tag) return `Unknown tag \`${truncate(tag)}\`, expected plain YAML without tags`;
  }
  if (code === 'UNEXPECTED_TOKEN' && /^Unexpected scalar at node end/.test(message)) {
    // `title: [draft] Login page`: a complete list or quoted value, then more text on the line.
    const rest = /^[^\n]*/.exec(sourceFromIssue)?.[0].trim();
    if (rest) return `Unexpected text \`${truncate(rest)}\` after a complete value, expected the end of the line`;
  }
  return firstSentence(message);
}

function hintFor(code: string, message: string): string | undefined {
  // `title: [draft] x` opens a flow list that never closes: the value needs quotes, not indentation.
  if (/^Flow (sequence|map)\b/.test(message)) {
    return 'A value that starts with `[` or `{` is read as a YAML list or map: close it, or quote the whole value, e.g. `title: "[draft] x"`.';
  }
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once: remove or rename the repeated one.';
    case 'TAG_RESOLVE_FAILED':
      return 'Remove the tag: stagedocs reads plain YAML only.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'Check the indentation, and quote values that contain `: ` or ` #` or start with `[`, `{`, `*`, `&` or `!`, e.g. `title: "[draft] x"`.';
    default:
      return 'Quote values that contain YAML punctuation such as `: `, ` #`, `[` or `{`.';
  }
}

import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';
import type { Position } from '../model/diagnostic.js';
import { pointerSegment } from '../model/documents.js';
import { readFastYaml } from './yaml-fast.js';

export interface YamlProblem extends Position {
  message: string;
  hint?: string;
}

export interface ParsedYaml {
  data: unknown;
  /** JSON pointer -> place of the value; `#key:` + pointer -> place of the key. */
  positions: Record<string, Position>;
  problems: YamlProblem[];
}

/** Aliases beyond this many are an alias bomb, not a document. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML text with the places of every key and value. `firstLine` is the 1-based line of the
 * text's first line in its file (frontmatter starts on line 2). Never throws: every problem, warnings
 * included (an unknown `!!js/function` tag only warns and silently becomes a string), is returned.
 */
export function parseYaml(text: string, firstLine = 1): ParsedYaml {
  const fast = readFastYaml(text, firstLine);
  if (fast) return { data: fast.data, positions: fast.positions, problems: [] };
  return parseYamlWithLibrary(text, firstLine);
}

/** The same with the `yaml` package, always: the reference the fast reader is tested against. */
export function parseYamlWithLibrary(text: string, firstLine = 1): ParsedYaml {
  const lineCounter = new LineCounter();
  const place = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + firstLine - 1, column: col };
  };
  const problems: YamlProblem[] = [];
  const positions: Record<string, Position> = {};
  let data: unknown;
  try {
    const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, version: '1.2' });
    for (const issue of [...doc.errors, ...doc.warnings]) {
      const at = place(issue.pos[0]);
      problems.push({ ...at, message: firstSentence(issue.message), hint: hintFor(issue.code) });
    }
    if (problems.length === 0) {
      data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      if (doc.contents) collectPositions(doc.contents as YamlNode, '', positions, place);
    }
  } catch (error) {
    // yaml throws a ReferenceError, not a YAMLParseError, for an alias bomb or an unresolved alias.
    problems.push({
      line: firstLine,
      column: 1,
      message: `YAML could not be read: ${firstSentence(error instanceof Error ? error.message : String(error))}`,
      hint: 'Remove the aliases (`*name`) or expand them by hand.',
    });
    data = undefined;
  }
  return { data, positions, problems };
}

function collectPositions(
  node: YamlNode,
  pointer: string,
  positions: Record<string, Position>,
  place: (offset: number) => Position,
): void {
  if (node.range) positions[pointer] = place(node.range[0]);
  if (isMap(node)) {
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      const child = `${pointer}/${pointerSegment(key)}`;
      if (isScalar(pair.key) && pair.key.range) positions[`#key:${child}`] = place(pair.key.range[0]);
      if (pair.value && !isAlias(pair.value)) collectPositions(pair.value as YamlNode, child, positions, place);
      else if (isAlias(pair.value) && pair.value.range) positions[child] = place(pair.value.range[0]);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => {
      const child = `${pointer}/${index}`;
      if (item && !isAlias(item)) collectPositions(item as YamlNode, child, positions, place);
      else if (isAlias(item) && item.range) positions[child] = place(item.range[0]);
    });
  }
}

function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

function hintFor(code: string): string | undefined {
  switch (code) {
    case 'DUPLICATE_KEY':
      return 'Each key may appear once: remove or rename the repeated one.';
    case 'TAG_RESOLVE_FAILED':
      return 'Remove the tag: stagedocs reads plain YAML only.';
    case 'BAD_INDENT':
    case 'MISSING_CHAR':
    case 'UNEXPECTED_TOKEN':
      return 'Check the indentation and quote values that contain `:` or `#`.';
    default:
      return 'Quote values that contain YAML punctuation such as `: `, ` #`, `[` or `{`.';
  }
}

import type { Position } from '../model/diagnostic.js';
import { pointerSegment } from '../model/documents.js';

/**
 * A fast reader for the plain block YAML that frontmatter is made of: mappings with simple keys,
 * block sequences, one-line flow sequences, plain and simply quoted scalars. The `yaml` package stays
 * the reference: this returns undefined for anything it cannot decide exactly (comments, anchors, tags,
 * escapes, block scalars, flow mappings, multi-line scalars, numbers beyond plain integers and
 * decimals, duplicate keys, tabs, trailing spaces), and the caller then asks `yaml`.
 * test/parse/yaml-fast.test.ts checks it against `yaml` on generated and real frontmatter.
 */
interface FastYaml<P extends Positions = Positions> {
  data: Record<string, unknown>;
  /** Undefined when the caller asked for none: the places are asked for again when a message needs one. */
  positions: P;
  /** JSON pointer -> the text of a plain scalar that YAML read as another type than string (`1.10`). */
  coerced: Record<string, string>;
}

interface Line {
  indent: number;
  text: string;
  /** 0-based line number within the YAML text. */
  number: number;
}

class Unsupported extends Error {}

const OTHER_WHITE_SPACE = /[^\S \n]/;
const SPACE = 0x20;

const KEY = /^([A-Za-z_][A-Za-z0-9_.-]*):(?:( +)(.*))?$/;
const INT = /^[0-9]+$/;
const DECIMAL = /^[0-9]+\.[0-9]+$/;
const NUMBER_LIKE = /^[-+]?(?:[0-9]|\.[0-9]|\.(?:inf|Inf|INF)$)|^\.(?:nan|NaN|NAN)$/;
/** Keys the core schema reads as null or booleans, not strings. */
const NON_STRING_KEY = /^(?:null|Null|NULL|true|True|TRUE|false|False|FALSE)$/;
const PLAIN_START = /^[^-?:,[\]{}#&*!|>'"%@`\s]/;
const FLOW_ITEM = /^[^-?:,[\]{}#&*!|>'"%@`\s][^,[\]{}#:'"]*$/;

/** JSON pointer -> place of the value; `#key:` + pointer -> place of the key. */
type Positions = Record<string, Position> | undefined;

/**
 * The data of `text`, with the places of its keys and values unless `withPositions` is false: a run
 * that keeps every document's data reads the places only of the few that have something to report,
 * and they are most of what a document's facts hold.
 */
export function readFastYaml(text: string, firstLine: number): FastYaml<Record<string, Position>> | undefined;
export function readFastYaml(text: string, firstLine: number, withPositions: false): FastYaml<undefined> | undefined;
export function readFastYaml(text: string, firstLine: number, withPositions: boolean): FastYaml | undefined;
export function readFastYaml(text: string, firstLine: number, withPositions = true): FastYaml | undefined {
  // Tabs, CR and white space other than the ASCII space (a no-break space U+00A0 that an editor put in
  // the indentation, U+2028, ...) are left to yaml: JavaScript's trim() would take them for indentation.
  if (OTHER_WHITE_SPACE.test(text)) return undefined;
  const lines: Line[] = [];
  const raw = text.split('\n');
  for (let number = 0; number < raw.length; number++) {
    const line = raw[number]!;
    // Counted rather than matched: this runs for every frontmatter line of every document.
    let indent = 0;
    while (line.charCodeAt(indent) === SPACE) indent++;
    if (indent === line.length) continue;
    if (line.charCodeAt(line.length - 1) === SPACE) return undefined;
    lines.push({ indent, text: line.slice(indent), number });
  }
  if (lines.length === 0 || lines[0]!.indent !== 0) return undefined;
  const positions: Positions = withPositions ? {} : undefined;
  const place = (line: Line, column: number): Position => ({ line: line.number + firstLine, column: line.indent + column + 1 });
  const coerced: Record<string, string> = {};
  const reader = new Reader(lines, positions, coerced, place);
  try {
    const data = reader.map(0, '');
    if (reader.index !== lines.length) return undefined;
    return { data, positions, coerced };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

class Reader {
  index = 0;

  constructor(
    private readonly lines: Line[],
    private readonly positions: Positions,
    private readonly coerced: Record<string, string>,
    private readonly place: (line: Line, column: number) => Position,
  ) {}

  /** A block mapping whose keys sit at `indent`, starting at the current line. */
  map(indent: number, pointer: string): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    const first = this.lines[this.index];
    if (!first || first.indent !== indent) throw new Unsupported();
    if (this.positions) this.positions[pointer] = this.place(first, 0);
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!;
      if (line.indent < indent) break;
      if (line.indent > indent) throw new Unsupported();
      const match = KEY.exec(line.text);
      if (!match) throw new Unsupported();
      const key = match[1]!;
      if (Object.hasOwn(result, key) || key === '__proto__' || NON_STRING_KEY.test(key)) throw new Unsupported();
      const child = `${pointer}/${pointerSegment(key)}`;
      if (this.positions) this.positions[`#key:${child}`] = this.place(line, 0);
      this.index++;
      if (match[2] === undefined) {
        result[key] = this.nested(indent, child);
      } else {
        result[key] = this.inline(match[3]!, line, key.length + 1 + match[2].length, child);
      }
    }
    return result;
  }

  /** The block under `key:` (a sequence may sit at the key's own indentation). */
  private nested(indent: number, pointer: string): unknown {
    const next = this.lines[this.index];
    if (!next) throw new Unsupported();
    if (next.text.startsWith('- ') && next.indent >= indent) return this.sequence(next.indent, pointer);
    if (next.indent > indent) return this.map(next.indent, pointer);
    throw new Unsupported();
  }

  private sequence(indent: number, pointer: string): unknown[] {
    const result: unknown[] = [];
    if (this.positions) this.positions[pointer] = this.place(this.lines[this.index]!, 0);
    while (this.index < this.lines.length) {
      const line = this.lines[this.index]!;
      if (line.indent < indent || (line.indent === indent && !line.text.startsWith('- '))) break;
      if (line.indent > indent) throw new Unsupported();
      const content = line.text.slice(2);
      if (content.startsWith(' ') || content === '') throw new Unsupported();
      const child = `${pointer}/${result.length}`;
      if (KEY.test(content)) {
        // `- key: value` opens a mapping whose keys sit two columns right of the dash.
        this.lines[this.index] = { indent: indent + 2, text: content, number: line.number };
        result.push(this.map(indent + 2, child));
      } else {
        this.index++;
        result.push(this.inline(content, line, 2, child));
      }
    }
    return result;
  }

  /** A value written on the line itself, at `column` of the line's text. */
  private inline(value: string, line: Line, column: number, pointer: string): unknown {
    if (this.positions) this.positions[pointer] = this.place(line, column);
    if (value.startsWith('[')) {
      if (!value.endsWith(']')) throw new Unsupported();
      const inner = value.slice(1, -1);
      if (inner.trim() === '') return [];
      const items: unknown[] = [];
      let offset = column + 1;
      for (const part of inner.split(',')) {
        const lead = part.length - part.trimStart().length;
        const item = part.trim();
        if (item === '') throw new Unsupported();
        if (this.positions) this.positions[`${pointer}/${items.length}`] = this.place(line, offset + lead);
        items.push(this.remember(`${pointer}/${items.length}`, item, flowScalar(item)));
        offset += part.length + 1;
      }
      return items;
    }
    return this.remember(pointer, value, blockScalar(value));
  }

  /** Records the written text of a scalar that did not stay a string (quoted scalars always do). */
  private remember(pointer: string, written: string, value: unknown): unknown {
    if (typeof value !== 'string') this.coerced[pointer] = written;
    return value;
  }
}

function blockScalar(value: string): unknown {
  const quoted = quotedScalar(value);
  if (quoted !== undefined) return quoted;
  if (!PLAIN_START.test(value) || value.includes(' #') || value.includes(': ') || value.endsWith(':')) throw new Unsupported();
  return resolvePlain(value);
}

function flowScalar(value: string): unknown {
  const quoted = quotedScalar(value);
  if (quoted !== undefined) return quoted;
  if (!FLOW_ITEM.test(value) || value !== value.trim()) throw new Unsupported();
  return resolvePlain(value);
}

function quotedScalar(value: string): string | undefined {
  if (value.startsWith('"')) {
    if (value.length < 2 || !value.endsWith('"') || /["\\]/.test(value.slice(1, -1))) throw new Unsupported();
    return value.slice(1, -1);
  }
  if (value.startsWith("'")) {
    if (value.length < 2 || !value.endsWith("'") || value.slice(1, -1).includes("'")) throw new Unsupported();
    return value.slice(1, -1);
  }
  return undefined;
}

/** The YAML 1.2 core schema, for the plain scalars this reader accepts. */
function resolvePlain(value: string): unknown {
  switch (value) {
    case 'null':
    case 'Null':
    case 'NULL':
    case '~':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (NUMBER_LIKE.test(value)) {
    if (INT.test(value) || DECIMAL.test(value)) return Number(value);
    throw new Unsupported();
  }
  return value;
}

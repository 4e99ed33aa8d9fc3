import type { Finding } from '../model/diagnostic.js';
import { DOCUMENT_KINDS, type DocumentKind, type ParsedDocument } from '../model/documents.js';
import { frontmatterPositions, parseMarkdown, type Places } from './markdown.js';
import { decodeUtf8, findExcessiveNesting, MAX_NESTING, normalizeText, unreadableReason } from '../util/text.js';
import { parseYaml, yamlLibrary } from './yaml.js';

/** A problem found while reading a document, before any rule runs. */
export interface ParseProblem extends Finding {
  ruleId: 'readable-file' | 'frontmatter-syntax';
}

interface ParseResult {
  doc: ParsedDocument;
  problems: ParseProblem[];
}

interface ParseOptions {
  /** The kind the file's location implies, used when the frontmatter does not say. */
  kindHint?: DocumentKind;
  maxBytes: number;
  /**
   * When a markdown document's frontmatter places are read (default `now`): `when-asked` for a run
   * that keeps no facts cache, which then reads only those of the documents with something to report.
   */
  places?: Places;
}

/**
 * Parses one document from its bytes. Pure and total: it never reads the file system and never
 * throws; everything wrong with the input comes back as a problem with a place.
 */
export async function parseDocumentBytes(file: string, bytes: Uint8Array, options: ParseOptions): Promise<ParseResult> {
  const unreadable = unreadableReason(bytes, options.maxBytes);
  const decoded = unreadable ? undefined : decodeUtf8(bytes);
  if (unreadable || decoded === undefined) {
    const hint =
      bytes.length > options.maxBytes
        ? 'Split the document (a stage should fit in 1-4 hours of work), or raise `limits.max_file_bytes` in the configuration.'
        : 'Store stage documents as UTF-8 text.';
    return unreadableResult(file, options.kindHint, unreadable ?? 'the file is not valid UTF-8 text', hint);
  }
  return parseDocumentText(file, decoded, options);
}

export async function parseDocumentText(file: string, rawText: string, options: ParseOptions): Promise<ParseResult> {
  const text = normalizeText(rawText);
  if (file.endsWith('.json')) return parseJsonDocument(file, text, options.kindHint ?? 'freeze');
  if (file.endsWith('.yaml')) return parseYamlDocument(file, text, options.kindHint ?? 'contract');
  const nesting = findExcessiveNesting(text);
  if (nesting) {
    return unreadableResult(
      file,
      options.kindHint,
      `line ${nesting.line} nests lists or quotes too deep, expected at most ${MAX_NESTING} levels`,
      'Flatten the nesting; stage documents never need it.',
      nesting.line,
      text.split('\n').length,
    );
  }
  const structure = await parseMarkdown(text, options.places);
  if (structure.hazard) {
    const { hazard } = structure;
    return unreadableResult(file, options.kindHint, `line ${hazard.line}, column ${hazard.column}: ${hazard.construct}`, hazard.hint, hazard.line, structure.lineCount, hazard.column);
  }
  const problems: ParseProblem[] = structure.problems.map((problem) => ({ ...problem, ruleId: 'frontmatter-syntax' }));
  if (!structure.hasFrontmatter && problems.length === 0) {
    problems.push({
      ruleId: 'frontmatter-syntax',
      line: 1,
      column: 1,
      message: 'No frontmatter found, expected a `---` block with `id`, `kind` and `title` on line 1',
      hint: 'Start the file with `---`, the frontmatter keys, and a closing `---`, or scaffold it with `stagedocs new-stage`.',
    });
  }
  const data = structure.data as Record<string, unknown> | undefined;
  return { doc: new MarkdownDocument(file, kindOf(data, options.kindHint), data, structure), problems };
}

/**
 * A markdown document. The places of its frontmatter keys and values are most of what its facts hold
 * (about 40% of them on the bench's corpus) and only a document with something to report, or one
 * going into the facts cache, reads them: parsed with `places: 'when-asked'`, a frontmatter the fast
 * YAML reader read is read again on first use. As with the documents from the facts cache
 * (engine/facts-cache.ts), the getter is on the prototype, so `positions` is not an own property:
 * code that copies a document reads its fields by name (`plainDocument`), never with a spread or a
 * structured clone.
 */
class MarkdownDocument implements ParsedDocument {
  readonly file: string;
  readonly kind: DocumentKind | undefined;
  readonly data: Record<string, unknown> | undefined;
  readonly coerced: Record<string, string>;
  readonly dataStart: ParsedDocument['dataStart'];
  readonly sections: ParsedDocument['sections'];
  readonly links: ParsedDocument['links'];
  readonly bodyStartLine: number;
  readonly body: string;
  readonly lineCount: number;
  /** The places, or the frontmatter text to read them from. */
  #positions: ParsedDocument['positions'] | string;

  constructor(file: string, kind: DocumentKind | undefined, data: Record<string, unknown> | undefined, structure: Awaited<ReturnType<typeof parseMarkdown>>) {
    this.file = file;
    this.kind = kind;
    this.data = data;
    this.coerced = structure.coerced;
    this.dataStart = structure.dataStart;
    this.sections = structure.sections;
    this.links = structure.links;
    this.bodyStartLine = structure.bodyStartLine;
    this.body = structure.body;
    this.lineCount = structure.lineCount;
    this.#positions = structure.positions ?? structure.frontmatter;
  }

  get positions(): ParsedDocument['positions'] {
    if (typeof this.#positions === 'string') this.#positions = frontmatterPositions(this.#positions);
    return this.#positions;
  }
}

function parseJsonDocument(file: string, text: string, kind: DocumentKind): ParseResult {
  const base = emptyDocument(file, kind, text.split('\n').length);
  try {
    JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const offset = jsonErrorOffset(text, reason);
    const before = text.slice(0, offset).split('\n');
    return {
      doc: base,
      problems: [
        {
          ruleId: 'frontmatter-syntax',
          line: before.length,
          column: (before[before.length - 1]?.length ?? 0) + 1,
          // V8 says `Unexpected token 'x', "<the input>" is not valid JSON`: drop the echo of the input.
          message: `Invalid JSON: ${reason.replace(/, .* is not valid JSON$/s, '').replace(/ (?:in JSON )?at position \d+.*$/s, '')}`,
          hint: 'Freeze files are written by `stagedocs freeze`; restore the file from git rather than editing it.',
        },
      ],
    };
  }
  // JSON is YAML 1.2, so the YAML parser gives the places of keys and values.
  const parsed = parseYaml(text, 1);
  const data = parsed.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      doc: base,
      problems: [{ ruleId: 'frontmatter-syntax', line: 1, column: 1, message: 'Expected a JSON object', hint: 'A freeze file is one JSON object.' }],
    };
  }
  return { doc: { ...base, data: data as Record<string, unknown>, positions: parsed.positions }, problems: [] };
}

/** A whole-file YAML document (a contract): its data with the places of every key and value. */
function parseYamlDocument(file: string, text: string, kind: DocumentKind): ParseResult {
  const base = emptyDocument(file, kind, text.split('\n').length);
  const parsed = parseYaml(text, 1);
  const problems: ParseProblem[] = parsed.problems.map((problem) => ({ ...problem, ruleId: 'frontmatter-syntax' }));
  if (problems.length > 0) return { doc: base, problems };
  const data = parsed.data;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    return {
      doc: base,
      problems: [{ ruleId: 'frontmatter-syntax', line: 1, column: 1, message: 'Expected a YAML mapping (keys and values) at the top of the file', hint: 'A contract file is a mapping with `contract_id`, `title` and `requirements`.' }],
    };
  }
  return { doc: { ...base, data: data as Record<string, unknown>, positions: parsed.positions, ...(parsed.coerced ? { coerced: parsed.coerced } : {}) }, problems: [] };
}

/**
 * Where JSON.parse failed: its own `at position N` when it says, else the first error of a YAML parser
 * restricted to JSON (V8 leaves the position out of "Unexpected token" messages).
 */
function jsonErrorOffset(text: string, reason: string): number {
  const stated = /at position (\d+)/.exec(reason)?.[1];
  if (stated !== undefined) return Number(stated);
  try {
    const located = yamlLibrary().parseDocument(text, { schema: 'json', prettyErrors: false }).errors[0]?.pos[0];
    if (located !== undefined) return located;
  } catch {
    // Fall through to the end of the text.
  }
  return /Unexpected end/.test(reason) ? text.length : 0;
}

function kindOf(data: Record<string, unknown> | undefined, hint: DocumentKind | undefined): DocumentKind | undefined {
  const declared = data?.kind;
  if (typeof declared === 'string' && (DOCUMENT_KINDS as readonly string[]).includes(declared)) return declared as DocumentKind;
  return hint;
}

function emptyDocument(file: string, kind: DocumentKind | undefined, lineCount: number): ParsedDocument {
  return {
    file,
    kind,
    data: undefined,
    positions: {},
    dataStart: { line: 1, column: 1 },
    sections: [],
    links: [],
    bodyStartLine: 1,
    body: '',
    lineCount,
  };
}

function unreadableResult(file: string, kind: DocumentKind | undefined, reason: string, hint: string, line = 1, lineCount = 1, column = 1): ParseResult {
  return {
    doc: emptyDocument(file, kind, lineCount),
    problems: [{ ruleId: 'readable-file', line, column, message: `Cannot read as a document: ${reason}`, hint }],
  };
}

import { createHash } from 'node:crypto';
import type { ParsedDocument } from '../model/documents.js';

/**
 * What the repository rules read of each document, recorded while they run, so that a later run can
 * tell whether an edited document changed anything they read (issue 19: after editing one stage,
 * every cross-file rule reran over 60,000 documents to find what it found before).
 *
 * The rules are deterministic functions of what they read, so when every value a rule read of every
 * document is the same, the rule reads the same and finds the same (the verifying traces of build
 * systems such as Shake). What is recorded, per document:
 *
 * - its own fields read whole (`kind`, `links`, `sections`, `body`, …); reading `data` or `positions`
 *   records only whether the document has them;
 * - each member of `data` (the frontmatter) read, whole, and whether its member names were listed;
 * - each entry of `positions` read, and whether its names were listed.
 *
 * Members are recorded present or absent, so a rule that reads `owner` of a stage without one depends
 * on its staying absent. The file name is the document's identity and is never recorded.
 */

/** A document's reads as the result cache keeps them: JSON of `[fields, data members, positions]`, each sorted; `*` lists the names. */
export type ReadList = string;

/** The member names of a record, listed: what a rule sees when it iterates the record. */
const LISTED = '*';

/**
 * The names read so far, as a path in a tree shared by every document: documents of a kind read the
 * same names, mostly in the same order, so they share nodes, and a node's read list is made once.
 * A name is `f`, `d` or `p` (a field, a data member, a position) followed by the name.
 */
class ReadNode {
  private readonly children = new Map<string, ReadNode>();
  private list: ReadList | undefined;

  constructor(private readonly names: readonly string[]) {}

  child(name: string): ReadNode {
    let next = this.children.get(name);
    if (!next) this.children.set(name, (next = new ReadNode([...this.names, name])));
    return next;
  }

  readList(): ReadList {
    if (this.list === undefined) {
      const of = (prefix: string) => this.names.filter((name) => name[0] === prefix).map((name) => name.slice(1)).sort();
      this.list = JSON.stringify([of('f'), of('d'), of('p')]);
    }
    return this.list;
  }
}

/** The kinds of name a document records, as its read list orders them: its fields, `data` members, positions. */
type NameKind = 'f' | 'd' | 'p';

/** What one document had read of it. */
class DocumentReads {
  /** The members read so far: looked up as they are, never joined to a prefix on the hot path. A field is read once (`WatchedDocument`). */
  readonly seen: { d: Set<string>; p: Set<string> | undefined } = { d: new Set(), p: undefined };

  constructor(public node: ReadNode) {}

  /** The members of `data` or `positions` read so far. */
  seenOf(kind: 'd' | 'p'): Set<string> {
    return kind === 'd' ? this.seen.d : (this.seen.p ??= new Set());
  }

  /** Records a name not seen before. */
  first(kind: NameKind, name: string): void {
    if (kind !== 'f') this.seenOf(kind).add(name);
    this.node = this.node.child(kind + name);
  }
}

/**
 * A document that records which of its fields are read; its `data` and `positions` are records that
 * record which members are read, present or absent, and whether their names are listed. Every
 * document has every field, so a field's first read records it and puts the value in place of the
 * getter (rules read `kind` and `data` of every document many times over); only the open-ended
 * records need proxies.
 */
class WatchedDocument implements ParsedDocument {
  readonly #doc: ParsedDocument;
  readonly #reads: DocumentReads;

  constructor(doc: ParsedDocument, reads: DocumentReads) {
    this.#doc = doc;
    this.#reads = reads;
  }

  /** The document's identity: the same for every run that compares reads of it. */
  get file(): string {
    return this.#doc.file;
  }

  get kind(): ParsedDocument['kind'] {
    return this.#read('kind', this.#doc.kind);
  }

  get data(): ParsedDocument['data'] {
    const data = this.#doc.data;
    return this.#read('data', data && recordingRecord(data, this.#reads, 'd'));
  }

  get positions(): ParsedDocument['positions'] {
    return this.#read('positions', recordingRecord(this.#doc.positions, this.#reads, 'p') as ParsedDocument['positions']);
  }

  get coerced(): ParsedDocument['coerced'] {
    return this.#read('coerced', this.#doc.coerced);
  }

  get dataStart(): ParsedDocument['dataStart'] {
    return this.#read('dataStart', this.#doc.dataStart);
  }

  get sections(): ParsedDocument['sections'] {
    return this.#read('sections', this.#doc.sections);
  }

  get links(): ParsedDocument['links'] {
    return this.#read('links', this.#doc.links);
  }

  get bodyStartLine(): number {
    return this.#read('bodyStartLine', this.#doc.bodyStartLine);
  }

  get body(): string {
    return this.#read('body', this.#doc.body);
  }

  get lineCount(): number {
    return this.#read('lineCount', this.#doc.lineCount);
  }

  /** Records a field's first read, and keeps its value as an own property that later reads get directly. */
  #read<T>(name: keyof ParsedDocument, value: T): T {
    this.#reads.first('f', name);
    Object.defineProperty(this, name, { value, enumerable: true });
    return value;
  }
}

function recordingRecord(value: Record<string, unknown>, reads: DocumentReads, kind: 'd' | 'p'): Record<string, unknown> {
  return new Proxy(value, new RecordingHandler(reads, kind));
}

/** The traps of a recording record: one small object per record, its methods shared (a record per document). */
class RecordingHandler implements ProxyHandler<Record<string, unknown>> {
  private readonly seen: Set<string>;

  constructor(
    private readonly reads: DocumentReads,
    private readonly kind: 'd' | 'p',
  ) {
    this.seen = reads.seenOf(kind);
  }

  get(target: Record<string, unknown>, name: string | symbol): unknown {
    this.record(name);
    return Reflect.get(target, name);
  }

  has(target: Record<string, unknown>, name: string | symbol): boolean {
    this.record(name);
    return Reflect.has(target, name);
  }

  getOwnPropertyDescriptor(target: Record<string, unknown>, name: string | symbol): PropertyDescriptor | undefined {
    this.record(name);
    return Reflect.getOwnPropertyDescriptor(target, name);
  }

  ownKeys(target: Record<string, unknown>): ArrayLike<string | symbol> {
    this.record(LISTED);
    return Reflect.ownKeys(target);
  }

  private record(name: string | symbol): void {
    if (typeof name === 'string' && !this.seen.has(name)) this.reads.first(this.kind, name);
  }
}

/**
 * Hands out documents that record what is read of them: give them to the repository rules only (a
 * model of them is for one run of the rules), and ask `readsOf` afterwards.
 */
export class ReadRecorder {
  private readonly reads = new Map<string, DocumentReads>();
  private readonly root = new ReadNode([]);

  /** The document as the rules see it: every read of it, its `data` and its `positions` recorded. */
  watch(doc: ParsedDocument): ParsedDocument {
    const reads = new DocumentReads(this.root);
    this.reads.set(doc.file, reads);
    return new WatchedDocument(doc, reads);
  }

  /** What the rules read of a document (none when it was not watched). */
  readsOf(file: string): ReadList {
    return (this.reads.get(file)?.node ?? this.root).readList();
  }

  /**
   * HEAD's history as the rules see it: each commit asked about is recorded with its answer (a run
   * counts only at a commit of the history), so that after a commit, which only adds to the history,
   * the answers and the findings can stand. A rule that lists the history or asks its size depends on
   * all of it (`historyAnswers` then gives undefined).
   */
  watchHistory(history: ReadonlySet<string>): ReadonlySet<string> {
    const answers = (this.history = new Map());
    const whole = () => {
      this.wholeHistory = true;
      return history;
    };
    return {
      has: (commit: string) => {
        const answer = history.has(commit);
        answers.set(commit, answer);
        return answer;
      },
      get size() {
        return whole().size;
      },
      forEach: (...args) => whole().forEach(...args),
      entries: () => whole().entries(),
      keys: () => whole().keys(),
      values: () => whole().values(),
      [Symbol.iterator]: () => whole()[Symbol.iterator](),
    } as ReadonlySet<string>;
  }

  /** The commits the rules asked about and the answers, or undefined when they read the whole history. */
  historyAnswers(): Map<string, boolean> | undefined {
    return this.wholeHistory ? undefined : (this.history ?? new Map());
  }

  private history: Map<string, boolean> | undefined;
  private wholeHistory = false;
}

/** Read lists parsed, by their text: a few distinct ones serve every document. */
const parsedLists = new Map<ReadList, [string[], string[], string[]] | undefined>();

/**
 * The hash of the values a read list names in a document, and of whether it passed the schema rules
 * (which decides whether the model lists it); undefined when the read list is not one `readsOf` wrote.
 */
export function readDigest(doc: ParsedDocument, list: ReadList, schemaValid: boolean): string | undefined {
  if (!parsedLists.has(list)) parsedLists.set(list, parseReadList(list));
  const parsed = parsedLists.get(list);
  if (!parsed) return undefined;
  const [fields, data, positions] = parsed;
  const values: string[] = [schemaValid ? 'valid' : 'invalid'];
  const add = (value: unknown) => values.push(value === undefined ? '~' : JSON.stringify(value) ?? '~');
  const source = doc as unknown as Record<string, unknown>;
  // `data` and `positions` read as a whole say only whether the document has them (it always has
  // positions: a cached document would read them from a side file to say so).
  for (const field of fields) add(field === 'data' ? typeof source[field] : field === 'positions' ? 'object' : source[field]);
  const member = (record: Record<string, unknown> | undefined, name: string) => (name === LISTED ? (record ? Object.keys(record) : undefined) : record && Object.hasOwn(record, name) ? record[name] : undefined);
  for (const name of data) add(member(doc.data, name));
  // A cached document reads its positions from a side file: only when a rule read one.
  if (positions.length > 0) for (const name of positions) add(member(doc.positions, name));
  // 80 bits: it is only ever compared with the hash of the same document's earlier values.
  return createHash('sha1').update(values.join('\n')).digest('hex').slice(0, 20);
}

function parseReadList(list: ReadList): [string[], string[], string[]] | undefined {
  try {
    const parsed = JSON.parse(list) as unknown;
    if (Array.isArray(parsed) && parsed.length === 3 && parsed.every((names) => Array.isArray(names) && names.every((name) => typeof name === 'string'))) {
      return parsed as [string[], string[], string[]];
    }
  } catch {
    // Not a read list.
  }
  return undefined;
}

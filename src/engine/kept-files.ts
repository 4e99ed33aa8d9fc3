import type { StoredStamp } from './stamp.js';

/**
 * What vouches that a file still has the bytes it had when hashed: the stamp it had then (a working
 * tree), or its git blob id (the index, whose files have no stamps: a blob id names the bytes).
 */
export type Witness = StoredStamp | string;

/** One file of a result: its content hash, its witness, and what the repository rules read of it (read-trace.ts). */
export interface KeptFile {
  sha: string;
  witness: Witness;
  /** The index of its read list among the result's read lists. */
  reads: number;
  /** The hash of the values read. */
  digest: string;
}

/**
 * The files of a result as the result file stores them: a column per field, in the order of the
 * listing, fixed-width strings where the values are hashes. Sixty thousand files parse in a few
 * milliseconds this way; as an array per file they took 130 ms and as much again in garbage.
 */
export interface KeptColumns {
  /** Each path followed by a NUL (a path may hold any other character). */
  paths: string;
  /** The SHA-256 content hashes, 64 hex digits each. */
  shas: string;
  /** The blob ids, all of one width (SHA-1 or SHA-256 repository), or four numbers per file, its stamp. */
  witnesses: string | number[];
  reads: number[];
  /** The digests, 20 hex digits each. */
  digests: string;
}

const SHA_WIDTH = 64;
const DIGEST_WIDTH = 20;
const STAMP_WIDTH = 4;
const BLOB_WIDTHS = new Set([40, 64]);

/** The files of a result: read from its columns, with the entries a run changed laid over them. */
export class KeptFiles {
  private readonly changed = new Map<number, KeptFile>();

  private constructor(
    private readonly stored: KeptColumns,
    readonly count: number,
    /** Whether the witnesses are stamps or blob ids. */
    readonly kind: 'stamp' | 'blob',
  ) {}

  /**
   * The columns of a result file when they are whole (and hold exactly `files`, in order, when
   * given); undefined for anything else (a damaged or foreign file).
   */
  static read(value: unknown, readLists: number, files?: readonly string[]): KeptFiles | undefined {
    const columns = value as Partial<KeptColumns> | null;
    if (typeof columns !== 'object' || columns === null) return undefined;
    const { paths, shas, witnesses, reads, digests } = columns;
    if (typeof paths !== 'string' || typeof shas !== 'string' || typeof digests !== 'string' || !Array.isArray(reads)) return undefined;
    if (files ? paths !== listing(files) : paths !== '' && !paths.endsWith('\0')) return undefined;
    const count = files ? files.length : reads.length;
    if (shas.length !== count * SHA_WIDTH || digests.length !== count * DIGEST_WIDTH || reads.length !== count) return undefined;
    if (!reads.every((list) => Number.isInteger(list) && list >= 0 && list < readLists)) return undefined;
    const kind = typeof witnesses === 'string' ? 'blob' : 'stamp';
    if (kind === 'blob' ? count > 0 && !BLOB_WIDTHS.has((witnesses as string).length / count) : !(Array.isArray(witnesses) && witnesses.length === count * STAMP_WIDTH && witnesses.every((n) => typeof n === 'number'))) return undefined;
    if (!files && paths.split('\0').length - 1 !== count) return undefined;
    return new KeptFiles(columns as KeptColumns, count, kind);
  }

  /** The files of a full run, in the order of `files`; undefined when a hash or witness is not of the expected kind and width. */
  static of(files: readonly string[], entries: readonly KeptFile[], kind: 'stamp' | 'blob'): KeptFiles | undefined {
    const width = kind === 'blob' && entries.length > 0 ? String(entries[0]!.witness).length : 0;
    for (const entry of entries) {
      if (entry.sha.length !== SHA_WIDTH || entry.digest.length !== DIGEST_WIDTH) return undefined;
      if (kind === 'blob' ? typeof entry.witness !== 'string' || entry.witness.length !== width || !BLOB_WIDTHS.has(width) : typeof entry.witness === 'string') return undefined;
    }
    const witnesses = kind === 'blob' ? entries.map((entry) => entry.witness).join('') : entries.flatMap((entry) => entry.witness as StoredStamp);
    const columns: KeptColumns = {
      paths: listing(files),
      shas: entries.map((entry) => entry.sha).join(''),
      witnesses,
      reads: entries.map((entry) => entry.reads),
      digests: entries.map((entry) => entry.digest).join(''),
    };
    return new KeptFiles(columns, files.length, kind);
  }

  sha(index: number): string {
    return this.changed.get(index)?.sha ?? this.stored.shas.slice(index * SHA_WIDTH, (index + 1) * SHA_WIDTH);
  }

  reads(index: number): number {
    return this.changed.get(index)?.reads ?? this.stored.reads[index]!;
  }

  digest(index: number): string {
    return this.changed.get(index)?.digest ?? this.stored.digests.slice(index * DIGEST_WIDTH, (index + 1) * DIGEST_WIDTH);
  }

  /** The witness kept for a file: a stored stamp, or a blob id. */
  witness(index: number): Witness {
    const changed = this.changed.get(index);
    if (changed) return changed.witness;
    const { witnesses } = this.stored;
    if (typeof witnesses === 'string') {
      const width = witnesses.length / this.count;
      return witnesses.slice(index * width, (index + 1) * width);
    }
    return witnesses.slice(index * STAMP_WIDTH, (index + 1) * STAMP_WIDTH) as StoredStamp;
  }

  /** Whether a file's kept witness is this blob id, compared in place (no string is made per file). */
  hasBlob(index: number, blob: string): boolean {
    const changed = this.changed.get(index);
    if (changed) return changed.witness === blob;
    const { witnesses } = this.stored;
    return typeof witnesses === 'string' && blob.length * this.count === witnesses.length && witnesses.startsWith(blob, index * blob.length);
  }

  /** A copy with one file's entry replaced (the reuse of a result updates the suspects). */
  with(changes: ReadonlyMap<number, KeptFile>): KeptFiles {
    const next = new KeptFiles(this.stored, this.count, this.kind);
    for (const [index, entry] of [...this.changed, ...changes]) next.changed.set(index, entry);
    return next;
  }

  /** The paths, in order. */
  paths(): string[] {
    return this.stored.paths.split('\0').slice(0, this.count);
  }

  /** The columns to store, with the changes applied. */
  columns(): KeptColumns {
    if (this.changed.size === 0) return this.stored;
    const indexes = [...this.changed.keys()].sort((a, b) => a - b);
    const spliced = (column: string, width: number, value: (entry: KeptFile) => string) => {
      let out = '';
      let at = 0;
      for (const index of indexes) {
        out += column.slice(at, index * width) + value(this.changed.get(index)!);
        at = (index + 1) * width;
      }
      return out + column.slice(at);
    };
    const { witnesses } = this.stored;
    const reads = [...this.stored.reads];
    for (const index of indexes) reads[index] = this.changed.get(index)!.reads;
    let nextWitnesses: string | number[];
    if (typeof witnesses === 'string') {
      nextWitnesses = spliced(witnesses, witnesses.length / this.count, (entry) => entry.witness as string);
    } else {
      nextWitnesses = [...witnesses];
      for (const index of indexes) nextWitnesses.splice(index * STAMP_WIDTH, STAMP_WIDTH, ...(this.changed.get(index)!.witness as StoredStamp));
    }
    return {
      paths: this.stored.paths,
      shas: spliced(this.stored.shas, SHA_WIDTH, (entry) => entry.sha),
      witnesses: nextWitnesses,
      reads,
      digests: spliced(this.stored.digests, DIGEST_WIDTH, (entry) => entry.digest),
    };
  }
}

/** The listing as the paths column holds it. */
function listing(files: readonly string[]): string {
  return files.length === 0 ? '' : `${files.join('\0')}\0`;
}

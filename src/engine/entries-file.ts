import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';

/** Text is written out once this much is pending: few system calls, little memory. */
const CHUNK = 1 << 16;

/**
 * Writes a cache file: a JSON object whose last member, `entries`, holds one value per document,
 * serialised one entry at a time into a temporary file that is renamed into place at the end. Readers
 * see the old file or the new one, never a part (as with write-file-atomic, minus the fsync a cache
 * does not need). Built as one string, a cold run's 30 MB of cache took about 50 MB more at the peak
 * of the run, on top of the documents' facts.
 */
export class EntriesFileWriter {
  private readonly temporary: string;
  private fd: number | undefined;
  private pending: string;
  private count = 0;
  /** Bytes of the file so far, pending text included: where the next entry starts. */
  private offset: number;

  /** `head` holds the members before `entries`, in order. */
  constructor(
    private readonly target: string,
    head: Record<string, unknown>,
  ) {
    this.temporary = `${target}.${randomBytes(8).toString('hex')}.tmp`;
    this.fd = openSync(this.temporary, 'wx');
    const text = JSON.stringify(head);
    this.pending = `${text.slice(0, -1)}${text === '{}' ? '' : ','}"entries":{`;
    this.offset = Buffer.byteLength(this.pending);
  }

  /** Adds one entry; returns where its member (`"key":value`) lies in the file, in bytes. */
  add(key: string, value: unknown): EntryRange {
    return this.addMember(`${JSON.stringify(key)}:${JSON.stringify(value)}`);
  }

  /**
   * Adds an entry as the text of its member (`"key":value`), exactly as an earlier file of this
   * writer held it (`readMember`): unchanged entries are copied without parsing or serialising them.
   */
  addMember(member: string): EntryRange {
    if (this.count++ > 0) {
      this.pending += ',';
      this.offset += 1;
    }
    const range: EntryRange = [this.offset, Buffer.byteLength(member)];
    this.pending += member;
    this.offset += range[1];
    if (this.pending.length >= CHUNK) this.flush();
    return range;
  }

  /** Finishes the file and puts it in place. */
  commit(): void {
    this.pending += '}}';
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    renameSync(this.temporary, this.target);
  }

  /** Drops the temporary file; harmless after `commit`. */
  abort(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.temporary, { force: true });
  }

  private flush(): void {
    writeSync(this.fd!, this.pending);
    this.pending = '';
  }
}

/** Where an entry's member (`"key":value`) lies in an entries file: its first byte and its length in bytes. */
export type EntryRange = [start: number, length: number];

/** Whether a value read back from a file is an entry range (non-negative integers). */
export function isEntryRange(value: unknown): value is EntryRange {
  if (!Array.isArray(value) || value.length !== 2) return false;
  const [start, length] = value as unknown[];
  return Number.isSafeInteger(start) && Number.isSafeInteger(length) && (start as number) >= 0 && (length as number) >= 0;
}

/**
 * Reads byte ranges of an open file. Ranges asked in the order of the file (a rewrite copying the
 * members of the file it replaces) are served from one read-ahead window, not a system call each;
 * any other range is read on its own, so scattered reads never read more than they need.
 */
export class RangeReader {
  private window = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly fd: number) {}

  /** The bytes of the range; shorter than asked when the file ends first (a truncated file). */
  read(start: number, length: number, ahead = false): Buffer {
    if (start >= this.windowStart && start + length <= this.windowStart + this.window.length) {
      return this.window.subarray(start - this.windowStart, start - this.windowStart + length);
    }
    const size = ahead ? Math.max(length, WINDOW) : length;
    const bytes = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const read = readSync(this.fd, bytes, at, size - at, start + at);
      if (read === 0) break;
      at += read;
    }
    const got = bytes.subarray(0, at);
    if (ahead) {
      this.window = got;
      this.windowStart = start;
    }
    return got.subarray(0, Math.min(length, at));
  }
}

/** The read-ahead of sequential range reads: large enough that copying 140 MB takes few reads. */
const WINDOW = 1 << 20;

/**
 * The member an entry range names in an entries file, checked to be the member of `key`: the text
 * of `"key":` followed by the value's text, as `add` wrote it; undefined when the file is shorter
 * (truncated) or the bytes there are not that member. The value's text is not parsed. `ahead` reads
 * ahead for the next ranges (see `RangeReader`).
 */
export function readMember(reader: RangeReader, key: string, [start, length]: EntryRange, ahead = false): { member: string; value: string } | undefined {
  const bytes = reader.read(start, length, ahead);
  if (bytes.length !== length) return undefined;
  const member = bytes.toString('utf8');
  const prefix = `${JSON.stringify(key)}:`;
  if (!member.startsWith(prefix) || Buffer.byteLength(member) !== length) return undefined;
  return { member, value: member.slice(prefix.length) };
}

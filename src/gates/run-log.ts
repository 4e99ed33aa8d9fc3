import { closeSync, openSync, writeSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import type { Redactor } from './redact.js';

/** A line longer than this is redacted and written in pieces, so that memory stays bounded. */
const MAX_PENDING_CHARS = 64 * 1024;
/** The least kept back from a piece of a long line, so that no secret or token shape straddles two pieces. */
const MIN_CARRY_CHARS = 4096;
/** How many of a gate's last output lines are kept to show why it failed, and how long each may be. */
const TAIL_LINES = 12;
const TAIL_LINE_CHARS = 240;

/**
 * The raw output of a run, written as it arrives into `run.log`: per-gate markers, every line
 * redacted before it touches the disk, and everything beyond `maxBytes` dropped with a note. Output is
 * decoded as UTF-8 with a streaming decoder (a character split between two chunks stays whole) and
 * redacted line by line; a line longer than 64 KB is written in pieces, each cut where no redaction
 * crosses the cut, with a carry-over window at least twice as long as the longest secret kept back
 * for the next piece, so a secret never straddles two pieces unredacted.
 */
export class RunLog {
  private readonly fd: number;
  /**
   * The first error writing the log (a full disk, an I/O error). Output arrives in event handlers,
   * where a throw would crash stagedocs and leave the gate running: the error is kept instead, nothing
   * more is written, and `onFailure` lets the run stop the gate.
   */
  failure: NodeJS.ErrnoException | undefined;
  private written = 0;
  private droppedInGate = 0;
  private droppedTotal = 0;
  private readonly pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private readonly carry: number;
  private tail: string[] = [];

  constructor(
    file: string,
    private readonly maxBytes: number,
    private readonly redact: Redactor,
    private readonly onFailure: (error: NodeJS.ErrnoException) => void = () => undefined,
  ) {
    this.fd = openSync(file, 'wx');
    this.carry = Math.max(MIN_CARRY_CHARS, 2 * (redact.longest ?? 0));
  }

  /** Bytes of output dropped because of the cap, over the whole run. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** A marker line: always written, even past the cap, so the log still shows every gate. */
  marker(text: string): void {
    this.writeOrFail(`==== ${this.redact(text)} ====\n`);
  }

  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = this.pending[stream] + this.decoders[stream].write(chunk);
    // The last `carry` characters always wait for more output: a secret (even one spanning lines, a
    // PEM key) that the next chunk completes starts there.
    const settled = text.length - this.carry;
    const lastNewline = settled > 0 ? text.lastIndexOf('\n', settled - 1) : -1;
    if (lastNewline < 0 && text.length < MAX_PENDING_CHARS + this.carry) {
      this.pending[stream] = text;
      return;
    }
    const cut = lastNewline >= 0 && this.splitsNothing(text, lastNewline + 1) ? lastNewline + 1 : this.safeCut(text);
    if (cut === 0) {
      this.pending[stream] = text;
      return;
    }
    this.pending[stream] = text.slice(cut);
    const redacted = this.redact(text.slice(0, cut));
    this.remember(redacted);
    this.write(redacted);
  }

  /**
   * Where to cut a long line: the last `carry` characters are kept back (a secret that the next chunk
   * completes starts there), and the cut moves left while a redaction would cross it. When none is
   * found the whole text is redacted at once (a configured pattern that matches everything).
   */
  private safeCut(text: string): number {
    if (text.length < MAX_PENDING_CHARS + this.carry) return 0;
    const whole = this.redact(text);
    for (let cut = text.length - this.carry; cut > 0; cut -= this.carry) {
      // Never between the two halves of a surrogate pair: Buffer.from would write U+FFFD for each.
      const at = isHighSurrogate(text.charCodeAt(cut - 1)) ? cut - 1 : cut;
      if (this.splitsNothing(text, at, whole)) return at;
    }
    return text.length;
  }

  /** Whether redacting the two sides of `cut` apart gives what redacting the whole gives. */
  private splitsNothing(text: string, cut: number, whole = this.redact(text)): boolean {
    return this.redact(text.slice(0, cut)) + this.redact(text.slice(cut)) === whole;
  }


  /** Flushes unfinished lines and notes how much of the gate's output the cap dropped. */
  endGate(): number {
    this.flushTail();
    const dropped = this.droppedInGate;
    this.lastTail = this.tail;
    this.tail = [];
    if (dropped > 0) this.writeOrFail(`[stagedocs: output truncated: run.log reached gates.max_log_bytes (${this.maxBytes} bytes); ${dropped} bytes of this gate's output were dropped]\n`);
    this.droppedInGate = 0;
    return dropped;
  }

  /**
   * Writes the gate's unfinished lines and returns its last lines so far (redacted): for a measured
   * requirement that quotes its command's output (a failed build) before the gate ends.
   */
  flushTail(): string[] {
    for (const stream of ['stdout', 'stderr'] as const) {
      this.pending[stream] += this.decoders[stream].end();
      if (this.pending[stream] !== '') {
        const redacted = `${this.redact(this.pending[stream])}\n`;
        this.remember(redacted);
        this.write(redacted);
      }
      this.pending[stream] = '';
    }
    return [...this.tail];
  }

  /**
   * The last lines the gate that `endGate` just finished printed (redacted, long lines cut), kept even
   * past the log cap: they are what a user needs to see first when a gate fails.
   */
  lastTail: string[] = [];

  close(): void {
    try {
      closeSync(this.fd);
    } catch (error) {
      // Some file systems (NFS) report a failed write only when the file is closed.
      this.failure ??= error as NodeJS.ErrnoException;
    }
  }

  /** Every byte goes through here: after the first failure nothing more is written. */
  private writeOrFail(data: string | Buffer): void {
    if (this.failure) return;
    try {
      // A nearly full disk may take part of a write: the rest is written, or fails, by the next call.
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset);
    } catch (error) {
      this.failure = error as NodeJS.ErrnoException;
      this.onFailure(this.failure);
    }
  }

  private remember(text: string): void {
    if (text.length > 1_000_000) text = text.slice(-100_000);
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      this.tail.push(line.length > TAIL_LINE_CHARS ? `${line.slice(0, TAIL_LINE_CHARS - 1)}…` : line);
    }
    if (this.tail.length > TAIL_LINES) this.tail = this.tail.slice(-TAIL_LINES);
  }

  private write(text: string): void {
    const bytes = Buffer.from(text, 'utf8');
    const room = Math.max(0, this.maxBytes - this.written);
    if (bytes.length <= room) {
      this.writeOrFail(bytes);
      this.written += bytes.length;
      return;
    }
    // Cut at a line end when there is one in the room left, so the log ends on a whole line.
    const head = bytes.subarray(0, room);
    const lastNewline = head.lastIndexOf(10);
    const kept = lastNewline >= 0 ? head.subarray(0, lastNewline + 1) : Buffer.alloc(0);
    if (kept.length > 0) this.writeOrFail(kept);
    this.written = this.maxBytes;
    this.droppedInGate += bytes.length - kept.length;
    this.droppedTotal += bytes.length - kept.length;
  }
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

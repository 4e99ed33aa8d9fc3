import { closeSync, openSync, writeSync } from 'node:fs';
import type { Redactor } from './redact.js';

/** A line longer than this is redacted and written in pieces, so that memory stays bounded. */
const MAX_PENDING_BYTES = 64 * 1024;
/** How many of a gate's last output lines are kept to show why it failed, and how long each may be. */
const TAIL_LINES = 12;
const TAIL_LINE_CHARS = 240;

/**
 * The raw output of a run, written as it arrives into `run.log`: per-gate markers, every line
 * redacted before it touches the disk, and everything beyond `maxBytes` dropped with a note. Output is
 * redacted line by line (a secret split across two chunks of the same line is still caught).
 */
export class RunLog {
  private readonly fd: number;
  private written = 0;
  private droppedInGate = 0;
  private droppedTotal = 0;
  private readonly pending: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private tail: string[] = [];

  constructor(
    file: string,
    private readonly maxBytes: number,
    private readonly redact: Redactor,
  ) {
    this.fd = openSync(file, 'wx');
  }

  /** Bytes of output dropped because of the cap, over the whole run. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** A marker line: always written, even past the cap, so the log still shows every gate. */
  marker(text: string): void {
    writeSync(this.fd, `==== ${this.redact(text)} ====\n`);
  }

  output(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const text = this.pending[stream] + chunk.toString('utf8');
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline < 0 && text.length < MAX_PENDING_BYTES) {
      this.pending[stream] = text;
      return;
    }
    const cut = lastNewline < 0 ? text.length : lastNewline + 1;
    this.pending[stream] = text.slice(cut);
    const redacted = this.redact(text.slice(0, cut));
    this.remember(redacted);
    this.write(redacted);
  }


  /** Flushes unfinished lines and notes how much of the gate's output the cap dropped. */
  endGate(): number {
    for (const stream of ['stdout', 'stderr'] as const) {
      if (this.pending[stream] !== '') {
        const redacted = `${this.redact(this.pending[stream])}\n`;
        this.remember(redacted);
        this.write(redacted);
      }
      this.pending[stream] = '';
    }
    const dropped = this.droppedInGate;
    this.lastTail = this.tail;
    this.tail = [];
    if (dropped > 0) writeSync(this.fd, `[stagedocs: output truncated: run.log reached gates.max_log_bytes (${this.maxBytes} bytes); ${dropped} bytes of this gate's output were dropped]\n`);
    this.droppedInGate = 0;
    return dropped;
  }

  /**
   * The last lines the gate that `endGate` just finished printed (redacted, long lines cut), kept even
   * past the log cap: they are what a user needs to see first when a gate fails.
   */
  lastTail: string[] = [];

  close(): void {
    closeSync(this.fd);
  }

  private remember(text: string): void {
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
      writeSync(this.fd, bytes);
      this.written += bytes.length;
      return;
    }
    // Cut at a line end when there is one in the room left, so the log ends on a whole line.
    const head = bytes.subarray(0, room);
    const lastNewline = head.lastIndexOf(10);
    const kept = lastNewline >= 0 ? head.subarray(0, lastNewline + 1) : Buffer.alloc(0);
    if (kept.length > 0) writeSync(this.fd, kept);
    this.written = this.maxBytes;
    this.droppedInGate += bytes.length - kept.length;
    this.droppedTotal += bytes.length - kept.length;
  }
}

import { terminalText } from '../format/colors.js';

/** Everything the CLI takes from its process, so commands can be driven in tests and never touch `process`. */
export interface CliIo {
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  stdout: OutputStream;
  stderr: OutputStream;
  stdinIsTTY: boolean;
  /** Standard input, for the questions scaffolding asks on a terminal; absent when there is none. */
  stdin?: NodeJS.ReadableStream;
  /** The clock, injected so that output is deterministic in tests (`STAGEDOCS_NOW`). */
  now(): Date;
  /** The node executable running the CLI (the pre-commit hook falls back to it). */
  execPath?: string;
  /** Asks one question on the terminal and returns the answer; only used when stdinIsTTY. */
  ask?(question: string): Promise<string>;
  /** The Node.js version running the CLI, recorded in gate evidence. */
  nodeVersion?: string;
  /**
   * Replaces the default reaction to SIGINT/SIGTERM with `handler` until the returned function is
   * called: `gate run` uses it to kill its gates' process groups, which a Ctrl-C does not reach.
   */
  onInterrupt?(handler: (signal: string) => void): () => void;
}

export interface OutputStream {
  write(text: string): void;
  isTTY: boolean;
}

/** `STAGEDOCS_NOW` (ISO 8601) fixes the clock for reproducible scaffolds and reports. */
export function clockFrom(env: CliIo['env']): () => Date {
  const fixed = env.STAGEDOCS_NOW;
  if (fixed) {
    const date = new Date(fixed);
    if (!Number.isNaN(date.getTime())) return () => new Date(date.getTime());
  }
  return () => new Date();
}

/**
 * The CLI's io with every write passed through `terminalText`: titles, owners, file names, gate
 * output and error messages reach the terminal (and logs, and redirected files) with their control
 * characters and bidi overrides visible and inert, whatever command prints them. Only the language
 * server bypasses it: its output is the protocol, byte-counted JSON.
 */
export function inertIo(io: CliIo): CliIo {
  const inert = (stream: OutputStream): OutputStream => ({ write: (text) => stream.write(terminalText(text)), isTTY: stream.isTTY });
  return { ...io, stdout: inert(io.stdout), stderr: inert(io.stderr) };
}

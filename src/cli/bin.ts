#!/usr/bin/env node
// The only place that reads process state and sets the exit code.
import { clockFrom } from './io.js';
import { run } from './main.js';

// A reader that stops early (`stagedocs status | head`) closes the pipe; that is not an error of ours.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
}

const io = {
  cwd: process.cwd(),
  env: process.env,
  stdout: { write: (text: string) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
  stderr: { write: (text: string) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
  stdinIsTTY: process.stdin.isTTY === true,
  stdin: process.stdin,
  now: clockFrom(process.env),
  execPath: process.execPath,
  async ask(question: string) {
    const { createInterface } = await import('node:readline/promises');
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await terminal.question(question);
    } finally {
      terminal.close();
    }
  },
  nodeVersion: process.version,
  onInterrupt(handler: (signal: string) => void) {
    const listener = (signal: NodeJS.Signals) => handler(signal);
    process.on('SIGINT', listener);
    process.on('SIGTERM', listener);
    return () => {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    };
  },
};

run(process.argv.slice(2), io).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`stagedocs: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);

#!/usr/bin/env node
// The only place that reads process state and sets the exit code.
import { clockFrom } from './io.js';
import { run } from './main.js';

const io = {
  cwd: process.cwd(),
  env: process.env,
  stdout: { write: (text: string) => void process.stdout.write(text), isTTY: process.stdout.isTTY === true },
  stderr: { write: (text: string) => void process.stderr.write(text), isTTY: process.stderr.isTTY === true },
  stdinIsTTY: process.stdin.isTTY === true,
  stdin: process.stdin,
  now: clockFrom(process.env),
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

import { createInterface } from 'node:readline/promises';
import { UsageError } from '../model/errors.js';
import { markdownCode } from '../render/escape.js';
import type { CliIo } from './io.js';

/** Whether the command may ask questions: only when a person is at a terminal. */
export function canAsk(io: CliIo): boolean {
  return io.stdinIsTTY && io.stdin !== undefined;
}

/** Asks one question on the terminal and returns the trimmed answer. */
export async function ask(io: CliIo, question: string): Promise<string> {
  const rl = createInterface({ input: io.stdin!, terminal: false });
  try {
    io.stderr.write(`${question} `);
    return (await rl.question('')).trim();
  } finally {
    rl.close();
  }
}

/**
 * A value the command needs: the flag's, else (on a terminal) the answer to a question, else a usage
 * error naming the flag, so that scripts and agents learn exactly what to pass.
 */
export async function required(io: CliIo, value: string | undefined, flag: string, question: string, example: string, more = ''): Promise<string> {
  if (value !== undefined && value.trim() !== '') return value;
  if (canAsk(io)) {
    const answer = await ask(io, question);
    if (answer !== '') return answer;
  }
  throw new UsageError(`Missing ${flag}`, `Pass it, e.g. ${markdownCode(example)}.${more ? ` ${more}` : ''}`);
}

/** A yes/no question; the default answers an empty line. */
export async function confirm(io: CliIo, question: string, fallback: boolean): Promise<boolean> {
  const answer = (await ask(io, `${question} ${fallback ? '[Y/n]' : '[y/N]'}`)).toLowerCase();
  if (answer === '') return fallback;
  return answer === 'y' || answer === 'yes';
}

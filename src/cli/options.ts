import { InvalidArgumentError, Option } from 'commander';
import { MAX_TIMEOUT_SECONDS } from '../model/documents.js';

/** `--format` with a fixed list of choices. */
export function formatOption<T extends string>(choices: readonly T[], fallback: T): Option {
  return new Option('--format <format>', 'output format').choices(choices).default(fallback);
}

/** Parses a non-negative integer flag, or fails as a usage error. */
export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a whole number >= 0, got \`${value}\``);
  return Number(value);
}

/** Parses a positive number of seconds. */
export function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError(`expected a number of seconds > 0, got \`${value}\``);
  // Node's timers overflow beyond 2^31-1 ms: a larger timeout would fire at once.
  if (seconds > MAX_TIMEOUT_SECONDS) throw new InvalidArgumentError(`expected at most ${MAX_TIMEOUT_SECONDS} seconds (7 days), got \`${value}\``);
  return seconds;
}

/** Builds the "Examples:" block every command shows after its help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}

/** Collects a repeatable flag (`--gate a --gate b`) into a list. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

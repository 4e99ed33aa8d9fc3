import type { Command } from 'commander';
import type { CliIo } from './io.js';

/** What every command's action gets: the process environment and a way to set the exit code. */
export interface CommandContext {
  io: CliIo;
  setExitCode(code: number): void;
}

/**
 * One command of the CLI, in one module (`commands/<name>.ts`): its flags, help and action.
 * `register` is handed the command already named and summarised (`commands/index.ts`) and adds the
 * rest; only the invoked command's module is loaded, so `--help` and every command start fast.
 */
interface CommandModule {
  register(command: Command, context: CommandContext): void;
}

/** A command as the top-level help lists it, and where its module is. */
export interface CommandEntry {
  name: string;
  /** Its arguments, as `stagedocs --help` shows them after the name (`[options] <stage-id>`). */
  usage: string;
  summary: string;
  load(): Promise<CommandModule>;
}

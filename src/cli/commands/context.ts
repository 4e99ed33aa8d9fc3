import type { Command } from 'commander';
import { DEFAULT_CONTEXT_MAX_CHARS, stageContext } from '../../api/context.js';
import { EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption, nonNegativeInteger } from '../options.js';

const FORMATS = ['md', 'json'] as const;

interface ContextFlags {
  format: (typeof FORMATS)[number];
  maxChars: number;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      "Prints the working contract of a stage for a person or a coding agent picking up the work: the phase's goal and exit, the stage's objectives, " +
        'acceptance criteria, gates with their commands, protected and agent-writable paths, upstream verdicts, runs, failures and their root causes, ' +
        'open questions and the next action. Without an id, the next stage to work on (the first not done whose dependencies passed). ' +
        'The same repository state gives the same bytes.',
    )
    .argument('[stage-id]', 'the stage (default: the next one to work on)')
    .addOption(formatOption(FORMATS, 'md'))
    .option('--max-chars <n>', 'at most this many characters; what is cut is said at the end', nonNegativeInteger, DEFAULT_CONTEXT_MAX_CHARS)
    .addHelpText('after', examples('stagedocs context', 'stagedocs context P1-S03', 'stagedocs context P1-S03 --format json | jq .gates', 'stagedocs context --max-chars 4000'))
    .action(async (id: string | undefined, flags: ContextFlags, command: Command) => {
      context.setExitCode(await contextAction(id, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function contextAction(id: string | undefined, flags: ContextFlags, io: CliIo): Promise<number> {
  const located = await commandRoot(io, flags.cwd, 'optional');
  const result = await stageContext({ root: located, env: io.env, stage: id });
  io.stdout.write(flags.format === 'json' ? result.json(flags.maxChars) : result.markdown(flags.maxChars));
  return EXIT_OK;
}

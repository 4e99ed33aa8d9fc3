import { InvalidArgumentError, type Command } from 'commander';
import type { CommandContext } from '../main.js';
import { collect, examples } from '../options.js';

export interface NewStageFlags {
  phase?: string;
  owner?: string;
  gate: string[];
  estimate?: number;
  dryRun?: boolean;
  cwd?: string;
}

function hours(value: string): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0)) throw new InvalidArgumentError(`expected a number of hours > 0, got \`${value}\``);
  return number;
}

export function registerNewStage(program: Command, context: CommandContext): void {
  program
    .command('new-stage')
    .summary('scaffold the next stage of a phase')
    .description(
      'Writes the next stage of a phase (next order, depending on its last stage) as NN-<slug>.md next to its phase.md. ' +
        'Every value can be given by flags; on a terminal, missing ones are asked for.',
    )
    .argument('[title]', 'title of the stage (any text; the file name is derived from it)')
    .option('--phase <id>', 'id of the phase, e.g. P1')
    .option('--gate <command>', 'a gate command that must exit 0 (repeatable)', collect, [])
    .option('--owner <email>', 'owner of the stage (default: git config user.email)')
    .option('--estimate <hours>', 'estimate in hours (a stage should fit in 1-4)', hours)
    .option('--dry-run', 'print what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'stagedocs new-stage "Primary resource API" --phase P1 --gate "npm test"',
        'stagedocs new-stage "Export: CSV & JSON" --phase P2 --gate "npm run build" --gate "./scripts/check-export.sh" --estimate 3',
        'stagedocs new-stage "Rate limits" --phase P1 --gate "npm test" --dry-run',
      ),
    )
    .action(async (title: string | undefined, flags: NewStageFlags, command: Command) => {
      const { newStageAction } = await import('../actions/new-stage.js');
      context.setExitCode(await newStageAction(title, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption } from '../options.js';

const FORMATS = ['table', 'pretty', 'json', 'md'] as const;

export interface StatusFlags {
  format: (typeof FORMATS)[number];
  cwd?: string;
}

export function registerStatus(program: Command, context: CommandContext): void {
  program
    .command('status')
    .summary('the progress of every phase and stage, with next actions and blockers')
    .description('Prints every phase and its stages with status, last gate result and date, and the next action or blocker; a progress bar per phase on a terminal. `pretty` is the same as `table`.')
    .addOption(formatOption(FORMATS, 'table'))
    .addHelpText('after', examples('stagedocs status', 'stagedocs status --format md >> $GITHUB_STEP_SUMMARY', 'stagedocs status --format json | jq ".phases[].stages[] | select(.state == \\"blocked\\")"'))
    .action(async (flags: StatusFlags, command: Command) => {
      const { statusAction } = await import('../actions/status.js');
      context.setExitCode(await statusAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

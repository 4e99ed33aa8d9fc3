import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption } from '../options.js';

export interface SignOffFlags {
  format: 'pretty' | 'json';
  phase?: boolean;
  cwd?: string;
}

export function registerSignOff(program: Command, context: CommandContext): void {
  program
    .command('sign-off')
    .summary('check that a stage may close and create its annotated git tag')
    .description(
      'Checks that the stage may close (its blocking gates passed in a run whose commit is in HEAD\'s history, validation passes, the tree is clean), then tags HEAD with an annotated tag carrying the run id and report hash. Given a phase id, signs off the phase once all its stages are signed off. Exit 1 lists every reason it may not close.',
    )
    .argument('<id>', 'the stage id (or a phase id)')
    .option('--phase', 'when this is the last stage of its phase to be signed off, sign off the phase too')
    .addOption(formatOption(['pretty', 'json'] as const, 'pretty'))
    .addHelpText('after', examples('stagedocs sign-off P1-S03', 'stagedocs sign-off P1-S10 --phase', 'stagedocs sign-off P1', 'stagedocs sign-off P1-S03 --format json'))
    .action(async (id: string, flags: SignOffFlags, command: Command) => {
      const { signOffAction } = await import('../actions/sign-off.js');
      context.setExitCode(await signOffAction(id, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

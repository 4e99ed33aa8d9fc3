import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption } from '../options.js';

export function registerTrace(program: Command, context: CommandContext): void {
  program
    .command('trace')
    .summary('the commits, gate runs and tags that touched a stage')
    .description("Lists the commits that touched the stage's document, decision note, freeze file and evidence folders, its gate runs and its sign-off tag.")
    .argument('<stage-id>', 'the stage to trace')
    .addOption(formatOption(['pretty', 'json'] as const, 'pretty'))
    .addHelpText('after', examples('stagedocs trace P1-S03', 'stagedocs trace P1-S03 --format json | jq .commits'))
    .action(async (id: string, flags: { format: 'pretty' | 'json' }, command: Command) => {
      const { traceAction } = await import('../actions/trace.js');
      context.setExitCode(await traceAction(id, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

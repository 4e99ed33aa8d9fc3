import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples } from '../options.js';

export interface FreezeFlags {
  input: string[];
  decision?: string;
  scope: string[];
  protocol: string;
  cwd?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerFreeze(program: Command, context: CommandContext): void {
  program
    .command('freeze')
    .summary('write a stage\'s freeze file, hashing its inputs (never overwrites)')
    .description(
      'Writes freeze/<stage-id>.freeze.json with the sha256 of every input, the commit, the scope and the decision. ' +
        'The hash is of the content git stores for each file (after its clean filter and end-of-line conversion), so core.autocrlf does not cause false drift. ' +
        'An existing freeze file is never overwritten (exit 1). Every `stagedocs gate run` of the stage verifies the frozen inputs.',
    )
    .argument('<stage-id>', 'the stage to freeze')
    .option('--input <glob>', 'files to freeze, relative to the repository root (repeatable, at least one)', collect, [])
    .option('--decision <tag>', 'the decision note behind the freeze')
    .option('--scope <key=value>', 'a scope entry (repeatable)', collect, [])
    .option('--protocol <version>', 'the protocol version recorded in the file', '1')
    .addHelpText(
      'after',
      examples(
        'stagedocs freeze R1-S00 --input "config/*.yaml" --input data/manifest.csv',
        'stagedocs freeze R1-S00 --input protocol.md --decision D-2026-11-21-001 --scope dataset=v3 --scope seed=42',
      ),
    )
    .action(async (stageId: string, flags: FreezeFlags, command: Command) => {
      const { freezeAction } = await import('../actions/freeze.js');
      context.setExitCode(await freezeAction(stageId, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

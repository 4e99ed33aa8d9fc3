import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples } from '../options.js';

export interface InitFlags {
  yes?: boolean;
  dryRun?: boolean;
  cwd?: string;
}

export function registerInit(program: Command, context: CommandContext): void {
  program
    .command('init')
    .summary('set up stagedocs in a git repository')
    .description(
      'Writes stagedocs.config.yaml (the defaults, commented), the stages/, decisions/, freeze/ and gate_results/ folders, ' +
        'a .gitattributes entry that lets branches append to the gate registry (merge=union) and .stagedocs/ in .gitignore, ' +
        'and offers to install the pre-commit hook. Running it again keeps everything that exists and only adds what is missing.',
    )
    .option('-y, --yes', 'answer yes to every question (install the pre-commit hook)')
    .option('--dry-run', 'print what would be written, write nothing')
    .addHelpText('after', examples('stagedocs init', 'stagedocs init --yes', 'stagedocs init --dry-run'))
    .action(async (flags: InitFlags, command: Command) => {
      const { initAction } = await import('../actions/init.js');
      const hookAvailable = program.commands.some((candidate) => candidate.name() === 'hook');
      context.setExitCode(await initAction({ ...command.optsWithGlobals(), ...flags }, context.io, hookAvailable));
    });
}

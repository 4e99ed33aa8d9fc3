import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption } from '../options.js';

export function registerHook(program: Command, context: CommandContext): void {
  const hook = program
    .command('hook')
    .summary('install, remove or run the pre-commit hook')
    .description('The pre-commit hook validates what is being committed (the git index), not the working tree.')
    .addHelpText('after', examples('stagedocs hook install', 'stagedocs hook run', 'stagedocs hook uninstall'));

  hook
    .command('install')
    .description(
      'Writes the pre-commit hook where git runs hooks (core.hooksPath honoured). A pre-commit hook stagedocs did not write is kept as pre-commit.local and run first.',
    )
    .addHelpText('after', examples('stagedocs hook install', 'git config core.hooksPath .githooks && stagedocs hook install'))
    .action(async (_flags: object, command: Command) => {
      const { hookInstallAction } = await import('../actions/hook.js');
      context.setExitCode(await hookInstallAction(command.optsWithGlobals(), context.io));
    });

  hook
    .command('uninstall')
    .description('Removes the hook stagedocs wrote, and puts back a hook it had kept as pre-commit.local. Any other hook is left alone.')
    .addHelpText('after', examples('stagedocs hook uninstall'))
    .action(async (_flags: object, command: Command) => {
      const { hookUninstallAction } = await import('../actions/hook.js');
      context.setExitCode(await hookUninstallAction(command.optsWithGlobals(), context.io));
    });

  hook
    .command('run')
    .description('Validates the staged documents (GIT_INDEX_FILE honoured) and rejects staged changes to protected paths of open stages. Same as `validate --staged`.')
    .addOption(formatOption(['pretty', 'json', 'github', 'sarif'] as const, 'pretty'))
    .option('--no-cache', 'ignore and do not write the cache in .stagedocs/')
    .option(
      '--pre-commit-framework',
      'as a hook of the pre-commit framework: the staged content when git runs it for a commit (git sets GIT_INDEX_FILE), the whole repository otherwise (`pre-commit run --all-files`, pre-push)',
    )
    .addHelpText('after', examples('stagedocs hook run', 'GIT_INDEX_FILE=.git/index stagedocs hook run --format json', 'pre-commit run --all-files   # runs `stagedocs hook run --pre-commit-framework`'))
    .action(async (_flags: object, command: Command) => {
      const { validateAction } = await import('../actions/validate.js');
      const { preCommitFramework, ...flags } = command.optsWithGlobals() as { format: 'pretty' | 'json' | 'github' | 'sarif'; cache: boolean; cwd?: string; preCommitFramework?: boolean };
      // `pre-commit run --all-files` (what CI runs) stages nothing: checking the index there would check no file.
      const staged = !preCommitFramework || Boolean(context.io.env.GIT_INDEX_FILE);
      context.setExitCode(await validateAction([], { ...flags, staged }, context.io));
    });
}

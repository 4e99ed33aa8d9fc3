import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption, nonNegativeInteger } from '../options.js';

const FORMATS = ['pretty', 'json', 'github', 'sarif'] as const;

export interface ValidateFlags {
  format: (typeof FORMATS)[number];
  maxWarnings?: number;
  cache: boolean;
  cwd?: string;
  /** Validate the index (what is being committed) instead of the working tree. */
  staged?: boolean;
  /** Check the history rules over `<base>..<head>` only (CI). */
  range?: string;
}

export function registerValidate(program: Command, context: CommandContext): void {
  program
    .command('validate')
    .summary('validate phases, stages, decision notes and freeze files')
    .description('Validates the whole repository, or only the given files and folders (cross-file rules still see the whole repository).')
    .argument('[paths...]', 'files or folders to report on')
    .addOption(formatOption(FORMATS, 'pretty'))
    .option('--max-warnings <n>', 'fail (exit 1) when there are more than n warnings', nonNegativeInteger)
    .option('--no-cache', 'ignore and do not write the cache in .stagedocs/')
    .option('--staged', 'validate what is being committed (the git index), as the pre-commit hook does')
    .option('--range <base..head>', 'check the history rules over every commit of a range (for CI), e.g. origin/main..HEAD')
    .addHelpText(
      'after',
      examples(
        'stagedocs validate',
        'stagedocs validate stages/mvp/03-primary-api.md',
        'stagedocs validate --format json | jq .errorCount',
        'stagedocs validate --format github --max-warnings 0',
        'stagedocs validate --staged',
        'stagedocs validate --range origin/main..HEAD --format github',
      ),
    )
    .action(async (paths: string[], flags: ValidateFlags, command: Command) => {
      const { validateAction } = await import('../actions/validate.js');
      context.setExitCode(await validateAction(paths, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, nonNegativeInteger } from '../options.js';

export interface LspFlags {
  cwd?: string;
  /** Accepted for clients that pass it (VS Code's language client does); stdio is the only transport. */
  stdio?: boolean;
  debounce?: number;
}

export function registerLsp(program: Command, context: CommandContext): void {
  program
    .command('lsp')
    .summary('a language server: diagnostics as you type, hover, completion, quick fixes')
    .description(
      'Speaks the Language Server Protocol over stdin and stdout, for editors: the diagnostics of `stagedocs validate` for every open phase, stage, decision note and freeze file as it is typed, hover and completion from the JSON Schemas and the ids of the repository, and quick fixes for the mechanical hints. The repository is the one of the workspace folder the editor opens (or of --cwd). docs/editors.md has the setup for VS Code, Neovim, Helix and Zed.',
    )
    .option('--stdio', 'communicate over stdin and stdout (the default and only transport)')
    .option('--debounce <ms>', 'quiet time after an edit before validating', nonNegativeInteger, 50)
    .addHelpText('after', examples('stagedocs lsp', 'stagedocs lsp --stdio --cwd path/to/repository', 'stagedocs lsp --debounce 150'))
    .action(async (flags: LspFlags, command: Command) => {
      const { lspAction } = await import('../actions/lsp.js');
      context.setExitCode(await lspAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

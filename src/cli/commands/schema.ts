import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples } from '../options.js';

export function registerSchema(program: Command, context: CommandContext): void {
  program
    .command('schema')
    .summary('write the JSON Schemas of every document kind, for editors')
    .description('Writes phase, stage, decision, freeze, config and gate report (report.json) JSON Schemas into a folder (default .stagedocs/schemas), or prints one.')
    .option('--out <dir>', 'folder to write the schemas into', '.stagedocs/schemas')
    .option('--print <kind>', 'print one schema to stdout instead (phase, stage, decision, freeze, config, report)')
    .addHelpText('after', examples('stagedocs schema', 'stagedocs schema --out schemas', 'stagedocs schema --print stage > stage.schema.json'))
    .action(async (flags: { out: string; print?: string }, command: Command) => {
      const { schemaAction } = await import('../actions/schema.js');
      context.setExitCode(await schemaAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

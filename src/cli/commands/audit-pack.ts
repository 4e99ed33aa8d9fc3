import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption, nonNegativeInteger } from '../options.js';

const FORMATS = ['md', 'json'] as const;

export interface AuditPackFlags {
  base?: string;
  head: string;
  out?: string;
  format: (typeof FORMATS)[number];
  maxChars: number;
  linkBase?: string;
  cwd?: string;
}

export function registerAuditPack(program: Command, context: CommandContext): void {
  program
    .command('audit-pack')
    .summary('render the audit pack of changed (or given) stages, for pull requests')
    .description(
      'Renders, for each stage, what changed (commits and files since --base), why (decision notes), impact, rollback, evidence (gate runs), traceability and the next action, with a phase overview. Without stage ids: every stage whose documents, decision notes, freeze file or gate runs changed in base..head. Documents and evidence are read from the working tree, history from git.',
    )
    .argument('[stage-ids...]', 'stages to include (default: those changed in base..head)')
    .option('--base <ref>', 'start of the range (a branch, tag or SHA); default: the whole history of --head')
    .option('--head <ref>', 'end of the range', 'HEAD')
    .option('--out <file>', 'write the pack to a file instead of stdout')
    .addOption(formatOption(FORMATS, 'md'))
    .option('--max-chars <n>', 'keep markdown output under n characters (GitHub comments hold 65536)', nonNegativeInteger, 65_536)
    .option('--link-base <url>', 'prefix of evidence links, e.g. https://github.com/o/r/blob/<sha>/ (default: repository-relative links)')
    .addHelpText(
      'after',
      examples(
        'stagedocs audit-pack --base main > audit.md',
        'stagedocs audit-pack P1-S03 P1-S04',
        'stagedocs audit-pack --base origin/main --head HEAD --out audit.md --max-chars 60000',
        'stagedocs audit-pack --base v0.1.0 --format json | jq .outcome',
      ),
    )
    .action(async (stageIds: string[], flags: AuditPackFlags, command: Command) => {
      const { auditPackAction } = await import('../actions/audit-pack.js');
      context.setExitCode(await auditPackAction(stageIds, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

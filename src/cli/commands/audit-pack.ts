import type { Command } from 'commander';
import path from 'node:path';
import { auditPack } from '../../api/audit-pack.js';
import { MIN_MAX_CHARS } from '../../audit/size-limit.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot, warnAboutStrayCache } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption, nonNegativeInteger } from '../options.js';

const FORMATS = ['md', 'json'] as const;

interface AuditPackFlags {
  base?: string;
  head: string;
  out?: string;
  format: (typeof FORMATS)[number];
  maxChars: number;
  linkBase?: string;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
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
      context.setExitCode(await auditPackAction(stageIds, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function auditPackAction(stageIds: string[], flags: AuditPackFlags, io: CliIo): Promise<number> {
  // Flags are checked before anything is read (the refs by the API, first of all).
  if (flags.format === 'md' && flags.maxChars < MIN_MAX_CHARS) {
    throw new UsageError(`--max-chars ${flags.maxChars} is too small`, `Give at least ${MIN_MAX_CHARS}: the header and the list of what was left out must fit.`);
  }
  const located = await commandRoot(io, flags.cwd, 'optional');
  await warnAboutStrayCache(io, located.root);
  const result = await auditPack({
    root: located,
    env: io.env,
    base: flags.base,
    head: flags.head,
    stages: stageIds,
    linkBase: flags.linkBase,
  });
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  const output = flags.format === 'json' ? `${JSON.stringify(result.pack, null, 2)}\n` : await result.render(flags.maxChars);

  if (flags.out) {
    const { writeAtomic } = await import('../../util/write-atomic.js');
    try {
      await writeAtomic(path.resolve(located.cwd, flags.out), output);
    } catch (error) {
      throw new UsageError(`cannot write --out \`${flags.out}\`: ${(error as Error).message}`, 'Give a file in an existing, writable folder.');
    }
  } else {
    io.stdout.write(output);
  }
  return EXIT_OK;
}

import type { Command } from 'commander';
import { assess, stageStatus } from '../../api/assess.js';
import { colorsFor } from '../../format/colors.js';
import { formatStageStatusMarkdown, formatStageStatusTable, formatStatusMarkdown, formatStatusTable } from '../../format/status.js';
import { EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot, warnAboutStrayCache } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

const FORMATS = ['table', 'pretty', 'json', 'md'] as const;

interface StatusFlags {
  format: (typeof FORMATS)[number];
  stage?: string;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description('Prints every phase and its stages with status, last gate result and date, and the next action or blocker; a progress bar per phase on a terminal. `pretty` is the same as `table`.')
    .addOption(formatOption(FORMATS, 'table'))
    .option('--stage <id>', "only this stage, with each measured requirement's value across its runs (the full series with --format json)")
    .addHelpText('after', examples('stagedocs status', 'stagedocs status --stage P1-S03', 'stagedocs status --format md >> $GITHUB_STEP_SUMMARY', 'stagedocs status --format json | jq ".phases[].stages[] | select(.state == \\"blocked\\")"'))
    .action(async (flags: StatusFlags, command: Command) => {
      context.setExitCode(await statusAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function statusAction(flags: StatusFlags, io: CliIo): Promise<number> {
  const located = await commandRoot(io, flags.cwd, 'optional');
  await warnAboutStrayCache(io, located.root);
  if (flags.stage !== undefined) return stageStatusAction(flags, flags.stage, located, io);
  const report = await assess({ root: located, env: io.env });
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } else if (flags.format === 'md') {
    io.stdout.write(formatStatusMarkdown(report));
  } else {
    const colors = colorsFor(io.stdout, io.env);
    // The bar is for people at a terminal (it is not colour, so NO_COLOR keeps it); FORCE_COLOR asks for the terminal look.
    io.stdout.write(formatStatusTable(report, colors, io.stdout.isTTY || colors.isColorSupported));
  }
  return EXIT_OK;
}

async function stageStatusAction(flags: StatusFlags, stage: string, located: Awaited<ReturnType<typeof commandRoot>>, io: CliIo): Promise<number> {
  const report = await stageStatus({ root: located, env: io.env, stage });
  if (flags.format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (flags.format === 'md') io.stdout.write(formatStageStatusMarkdown(report));
  else io.stdout.write(formatStageStatusTable(report, colorsFor(io.stdout, io.env)));
  return EXIT_OK;
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILES } from '../../config/config.js';
import { loadConfig } from '../../engine/config.js';
import { readRuns } from '../../evidence/read.js';
import { checkRegistryFile } from '../../evidence/registry.js';
import { colorsFor } from '../../format/colors.js';
import { rebuildRegistry } from '../../gates/registry.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../model/errors.js';
import { describeRegistryProblem } from '../../model/evidence.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption } from '../options.js';

const FORMATS = ['pretty', 'json'] as const;

interface RegistryFlags {
  check: boolean;
  format: (typeof FORMATS)[number];
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Without --check: rewrites the registry from every report.json, byte for byte, rows ordered by started_at then run id. ' +
        'With --check: compares the registry with the reports and names every missing, extra, duplicated or edited row and every report_sha256 that does not match (exit 1); ' +
        'runs without report.json are reported as unfinished, and rows in another order (concurrent runs, a merge=union merge) as out of order; neither is corruption (exit 0).',
    )
    .option('--check', 'verify instead of rebuilding', false)
    .addOption(formatOption(FORMATS, 'pretty'))
    .addHelpText('after', examples('stagedocs registry --check', 'stagedocs registry', 'stagedocs registry --check --format json'))
    .action(async (flags: RegistryFlags, command: Command) => {
      context.setExitCode(await registryAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function registryAction(flags: RegistryFlags, io: CliIo): Promise<number> {
  const { root, gitTop, cwd } = await commandRoot(io, flags.cwd, 'optional');
  // Outside a repository (no configuration, no git) there is no registry to check or rebuild: an
  // "ok, 0 rows" there would be a false all-clear.
  if (gitTop === undefined && !CONFIG_FILES.some((name) => existsSync(path.join(root, name)))) {
    throw new UsageError(
      `${cwd} is not in a stagedocs repository (no stagedocs.config.yaml and no git repository here or above)`,
      'Run it from the repository, or pass `--cwd <repository>`; `stagedocs init` sets one up.',
    );
  }
  const { config } = await loadConfig(root);
  const dir = config.paths.gate_results;
  const runs = await readRuns(root, dir);
  const colors = colorsFor(io.stdout, io.env);

  if (!flags.check) {
    const text = await rebuildRegistry(root, dir, runs);
    const rows = text.split('\r\n').length - 2;
    if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ file: `${dir}/gate_registry.csv`, rows }, null, 2)}\n`);
    else io.stdout.write(`Rebuilt ${dir}/gate_registry.csv from ${rows} report${rows === 1 ? '' : 's'}.\n`);
    return EXIT_OK;
  }

  const check = await checkRegistryFile(root, dir, runs);
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(check, null, 2)}\n`);
    return check.ok ? EXIT_OK : EXIT_FAILED;
  }
  for (const problem of check.problems) io.stdout.write(`${colors.red('error')} ${describeRegistryProblem(problem)}\n`);
  for (const { runId, problem } of check.unreadable) io.stdout.write(`${colors.red('error')} ${dir}/${runId}/report.json: ${problem}\n`);
  for (const runId of check.unfinished) io.stdout.write(`${colors.yellow('unfinished')} ${dir}/${runId}/ has no report.json (killed or still running); it has no row, and that is expected\n`);
  if (check.outOfOrder) io.stdout.write(`${colors.yellow('note')} rows are out of order (concurrent runs or a merge=union merge); run \`stagedocs registry\` to rebuild in canonical order\n`);
  if (check.ok) io.stdout.write(`${colors.green('ok')} ${check.file}: ${check.rowCount} row${check.rowCount === 1 ? '' : 's'} agree with the reports\n`);
  else io.stdout.write(`${check.problems.length + check.unreadable.length} problem(s) in ${check.file}; if the reports are right, \`stagedocs registry\` rebuilds it from them\n`);
  return check.ok ? EXIT_OK : EXIT_FAILED;
}

import { loadConfig } from '../../engine/config.js';
import { colorsFor } from '../../format/colors.js';
import { readRuns } from '../../evidence/read.js';
import { checkRegistryFile, rebuildRegistry } from '../../gates/registry.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILES } from '../../config/config.js';
import { EXIT_FAILED, EXIT_OK, UsageError } from '../../model/errors.js';
import type { RegistryFlags } from '../commands/registry.js';
import { findRoot, workingDirectory } from '../context.js';
import { type CliIo } from '../io.js';

export async function registryAction(flags: RegistryFlags, io: CliIo): Promise<number> {
  const start = workingDirectory(io, flags.cwd);
  const root = findRoot(start);
  // Outside a repository (no configuration, no git) there is no registry to check or rebuild: an
  // "ok, 0 rows" there would be a false all-clear.
  if (!CONFIG_FILES.some((name) => existsSync(path.join(root, name))) && !existsSync(path.join(root, '.git'))) {
    throw new UsageError(
      `${start} is not in a stagedocs repository (no stagedocs.config.yaml and no git repository here or above)`,
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
  for (const problem of check.problems) io.stdout.write(`${colors.red('error')} ${problem.message}\n`);
  for (const { runId, problem } of check.unreadable) io.stdout.write(`${colors.red('error')} ${dir}/${runId}/report.json: ${problem}\n`);
  for (const runId of check.unfinished) io.stdout.write(`${colors.yellow('unfinished')} ${dir}/${runId}/ has no report.json (killed or still running); it has no row, and that is expected\n`);
  if (check.outOfOrder) io.stdout.write(`${colors.yellow('note')} rows are out of order (concurrent runs or a merge=union merge); run \`stagedocs registry\` to rebuild in canonical order\n`);
  if (check.ok) io.stdout.write(`${colors.green('ok')} ${check.file}: ${check.rowCount} row${check.rowCount === 1 ? '' : 's'} agree with the reports\n`);
  else io.stdout.write(`${check.problems.length + check.unreadable.length} problem(s) in ${check.file}; if the reports are right, \`stagedocs registry\` rebuilds it from them\n`);
  return check.ok ? EXIT_OK : EXIT_FAILED;
}

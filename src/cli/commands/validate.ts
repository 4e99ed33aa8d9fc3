import { appendFileSync } from 'node:fs';
import type { Command } from 'commander';
import { validate } from '../../api/validate.js';
import { loadConfig } from '../../engine/config.js';
import { documentGlobs } from '../../engine/source.js';
import { colorsFor } from '../../format/colors.js';
import { annotation, githubJobSummary } from '../../format/github.js';
import { formatValidation, type ValidationReport } from '../../format/validation.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot, toRepositoryPath, warnAboutStrayCache } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption, nonNegativeInteger } from '../options.js';

const FORMATS = ['pretty', 'json', 'github', 'sarif'] as const;

interface ValidateFlags {
  format: (typeof FORMATS)[number];
  maxWarnings?: number;
  cache: boolean;
  cwd?: string;
  /** Validate the index (what is being committed) instead of the working tree. */
  staged?: boolean;
  /** Check the history rules over `<base>..<head>` only (CI). */
  range?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description('Validates the whole repository, or only the given files and folders (cross-file rules still see the whole repository).')
    .argument('[paths...]', 'files or folders to report on')
    .addOption(formatOption(FORMATS, 'pretty'))
    .option('--max-warnings <n>', 'fail (exit 1) when there are more than n warnings', nonNegativeInteger)
    .option('--no-cache', 'ignore and do not write the caches (kept in the git directory)')
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
      context.setExitCode(await validateAction(paths, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

export async function validateAction(paths: string[], flags: ValidateFlags, io: CliIo): Promise<number> {
  const located = await commandRoot(io, flags.cwd, 'optional');
  const { cwd, root } = located;
  if (flags.staged && (paths.length > 0 || flags.range !== undefined)) {
    throw new UsageError('--staged validates the whole index; it takes no paths and no --range', 'Run `stagedocs validate --staged` alone.');
  }
  if (flags.cache !== false) await warnAboutStrayCache(io, root);
  const result = await validate({
    root: located,
    env: io.env,
    paths: paths.map((given) => toRepositoryPath(root, cwd, given)),
    staged: flags.staged,
    range: flags.range,
    cache: flags.cache,
    // STAGEDOCS_WORKERS=<n>: worker threads for cold runs (see docs/performance.md); default none.
    workers: workersFrom(io.env.STAGEDOCS_WORKERS),
  });
  for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
  // The notes (history rules skipped in a shallow clone) are in the JSON too, for CI that reads only stdout.
  const report = { diagnostics: result.diagnostics, errorCount: result.errorCount, warningCount: result.warningCount, fileCount: result.fileCount, ...(result.notes.length > 0 ? { notes: result.notes } : {}) };

  // Committing before any document exists (or outside the documents) is nothing to check.
  if (flags.staged && result.documentCount === 0) {
    if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ ...report, fileCount: 0 }, null, 2)}\n`);
    else if (result.diagnostics.length > 0) writeReport(report, flags, io);
    return result.errorCount > 0 ? EXIT_FAILED : EXIT_OK;
  }
  if (result.documentCount === 0) {
    const { config } = await loadConfig(root);
    const where = documentGlobs(config).join(', ');
    if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ diagnostics: [], errorCount: 0, warningCount: 0, fileCount: 0 }, null, 2)}\n`);
    const message = `No stagedocs documents found in ${root} (looked for ${where}).`;
    const hint = 'Run `stagedocs init` and `stagedocs new-phase <slug> --pattern <name>` to create some, or pass --cwd <repository>.';
    if (flags.format === 'github') io.stdout.write(`${annotation('error', `${message}\n${hint}`, { title: 'stagedocs: no documents' })}\n`);
    io.stderr.write(`error ${message}\n  hint: ${hint}\n`);
    return EXIT_USAGE;
  }

  writeReport(report, flags, io);
  if (result.errorCount > 0) return EXIT_FAILED;
  if (flags.maxWarnings !== undefined && result.warningCount > flags.maxWarnings) {
    if (flags.format === 'pretty') io.stderr.write(`${result.warningCount} warnings, more than --max-warnings ${flags.maxWarnings}\n`);
    return EXIT_FAILED;
  }
  return EXIT_OK;
}

/** The report on stdout; with --format github, also the full list in the job summary when there is one. */
function writeReport(report: ValidationReport, flags: ValidateFlags, io: CliIo): void {
  const summary = flags.format === 'github' && report.diagnostics.length > 0 ? io.env.GITHUB_STEP_SUMMARY : undefined;
  io.stdout.write(formatValidation(report, flags.format, colorsFor(io.stdout, io.env), { docsBaseUrl: io.env.STAGEDOCS_DOCS_URL, jobSummary: Boolean(summary) }));
  if (summary) appendFileSync(summary, githubJobSummary(report));
}

function workersFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`STAGEDOCS_WORKERS is \`${value}\`, expected a whole number of worker threads (0 or more)`, 'Unset it, or set it to 0, 1, 2 or 3.');
  return count;
}

import { type Config } from '../../model/config.js';
import { loadConfig } from '../../engine/config.js';
import { colorsFor } from '../../format/colors.js';
import { appendFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { documentGlobs, workingTreeSource, type DocumentSource } from '../../engine/source.js';
import type { Rule } from '../../rules/types.js';
import { validateRepository } from '../../engine/validate.js';
import { loadEvidence, loadEvidenceCached } from '../../gates/load-evidence.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError } from '../../model/errors.js';
import { formatValidation, type ValidationReport } from '../../format/validation.js';
import { annotation, githubJobSummary } from '../../format/github.js';
import { codeFingerprint } from '../../util/version.js';
import { findRoot, toRepositoryPath, workingDirectory } from '../context.js';
import { type CliIo } from '../io.js';
import type { ValidateFlags } from '../commands/validate.js';

export async function validateAction(paths: string[], flags: ValidateFlags, io: CliIo): Promise<number> {
  const cwd = workingDirectory(io, flags.cwd);
  const root = findRoot(cwd);
  const { config, hash } = await loadConfig(root);
  if (flags.staged && (paths.length > 0 || flags.range !== undefined)) {
    throw new UsageError('--staged validates the whole index; it takes no paths and no --range', 'Run `stagedocs validate --staged` alone.');
  }
  const git = await gitInputs(root, config, flags, io);
  const source = git.source ?? workingTreeSource(root, config);
  const only = git.only ?? (paths.length > 0 ? await selectFiles(root, cwd, paths, await source.list()) : undefined);

  const result = await validateRepository({
    root,
    config,
    configHash: hash,
    toolVersion: codeFingerprint(),
    source,
    only,
    useCache: flags.cache,
    extraRules: git.rules,
    // The hook checks what is being committed; evidence rules need the runs, which CI validates.
    evidence: flags.staged ? undefined : flags.cache ? await loadEvidenceCached(root, config.paths.gate_results, codeFingerprint()) : await loadEvidence(root, config.paths.gate_results),
    // STAGEDOCS_WORKERS=<n>: worker threads for cold runs (see docs/performance.md); default none.
    workers: workersFrom(io.env.STAGEDOCS_WORKERS),
  });

  // Committing before any document exists (or outside the documents) is nothing to check.
  if (flags.staged && result.documentCount === 0) {
    if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ diagnostics: result.diagnostics, errorCount: result.errorCount, warningCount: result.warningCount, fileCount: 0 }, null, 2)}\n`);
    else if (result.diagnostics.length > 0) writeReport(result, flags, io);
    return result.errorCount > 0 ? EXIT_FAILED : EXIT_OK;
  }
  if (result.documentCount === 0) {
    const where = documentGlobs(config).join(', ');
    if (flags.format === 'json') io.stdout.write(`${JSON.stringify({ diagnostics: [], errorCount: 0, warningCount: 0, fileCount: 0 }, null, 2)}\n`);
    const message = `No stagedocs documents found in ${root} (looked for ${where}).`;
    const hint = 'Run `stagedocs init` and `stagedocs new-phase <slug> --pattern <name>` to create some, or pass --cwd <repository>.';
    if (flags.format === 'github') io.stdout.write(`${annotation('error', `${message}\n${hint}`, { title: 'stagedocs: no documents' })}\n`);
    io.stderr.write(`error ${message}\n  hint: ${hint}\n`);
    return EXIT_USAGE;
  }

  const report = {
    diagnostics: result.diagnostics,
    errorCount: result.errorCount,
    warningCount: result.warningCount,
    fileCount: result.fileCount,
  };
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

/**
 * The git side of validation: with --staged the index as document source and the staged paths as
 * `only`; otherwise the history rules (whole history, or --range). Loaded lazily so that a plain
 * validate outside git pays nothing.
 */
async function gitInputs(root: string, config: Config, flags: ValidateFlags, io: CliIo): Promise<{ source?: DocumentSource; only?: Set<string>; rules: Rule[] }> {
  if (flags.staged) {
    const [{ requireGitRoot }, { stagedValidation }] = await Promise.all([import('../../git/repository.js'), import('../../git/staged-validation.js')]);
    // At once: the hook runs on every commit. Outside git, the clear "not inside a git repository" wins.
    const [inGit, staged] = await Promise.allSettled([requireGitRoot(root, io.env), stagedValidation(root, config, io.env)]);
    if (inGit.status === 'rejected') throw inGit.reason;
    if (staged.status === 'rejected') throw staged.reason;
    return staged.value;
  }
  if (flags.range !== undefined) {
    const { requireGitRoot } = await import('../../git/repository.js');
    await requireGitRoot(root, io.env);
  }
  const { historyRules } = await import('../../git/history-validation.js');
  const history = await historyRules(root, config, io.env, flags.range, flags.cache ? { toolVersion: codeFingerprint() } : undefined);
  if (history.skipped) io.stderr.write(`note: ${history.skipped}\n`);
  return { rules: history.rules };
}

function workersFrom(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`STAGEDOCS_WORKERS is \`${value}\`, expected a whole number of worker threads (0 or more)`, 'Unset it, or set it to 0, 1, 2 or 3.');
  return count;
}

/** The documents the given paths name: files as given, folders by what they contain. */
async function selectFiles(root: string, cwd: string, paths: string[], documents: string[]): Promise<Set<string>> {
  const selected = new Set<string>();
  for (const given of paths) {
    const relative = toRepositoryPath(root, cwd, given);
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path.join(root, relative)).isDirectory();
    } catch {
      throw new UsageError(`Path \`${given}\` does not exist`, 'Check the spelling, or run `stagedocs validate` without paths.');
    }
    if (isDirectory) {
      const prefix = relative === '' ? '' : `${relative}/`;
      for (const file of documents) if (file.startsWith(prefix)) selected.add(file);
    } else if (documents.includes(relative)) {
      selected.add(relative);
    } else {
      throw new UsageError(
        `\`${given}\` is not a stagedocs document`,
        'Documents are markdown files under the stages and decisions folders and *.freeze.json files under freeze (see stagedocs.config.yaml `paths`).',
      );
    }
  }
  return selected;
}

import { existsSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { isWithin, resolveRangeAtOnce, type ResolvedRange } from '../../audit/range.js';
import { MIN_MAX_CHARS } from '../../audit/size-limit.js';
import type { Env } from '../../git/exec.js';
import { commitsInSpan, type CommitChanges } from '../../git/history.js';
import { assertSafeRef } from '../../git/refs.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { TOOL_VERSION } from '../../util/version.js';
import type { AuditPackFlags } from '../commands/audit-pack.js';
import type { CliIo } from '../io.js';

/** Stages assessed between two looks at whether git log is done: a few milliseconds of work. */
const ASSESSED_PER_SLICE = 250;

export async function auditPackAction(stageIds: string[], flags: AuditPackFlags, io: CliIo): Promise<number> {
  // The refs are checked before git sees them; the other flags below, before any file is read.
  if (flags.base !== undefined) assertSafeRef(flags.base, '--base');
  assertSafeRef(flags.head, '--head');
  // `git log` over the range is the longest single step (a quarter of a second over ten thousand
  // commits), so it is started first, from the working directory, and everything else (loading the
  // modules below, reading the documents) happens while it runs. Any failure is left to the checks
  // below, made in their usual order, which report it.
  const early = startHistory(path.resolve(io.cwd, flags.cwd ?? '.'), flags, io.env);
  early.catch(() => undefined);

  const [{ assertStageId }, { findRoot, workingDirectory }, { loadRepository }, { workspaceOf, signOffTags }, { registryRowsOnDemand }, { packBuilder }, { renderAuditPack }] = await Promise.all([
    import('../../gates/stage-model.js'),
    import('../context.js'),
    import('../../engine/load-repository.js'),
    import('../../audit/workspace.js'),
    import('../../audit/registry-rows.js'),
    import('../../audit/pack.js'),
    import('../../audit/render.js'),
  ]);
  for (const id of stageIds) assertStageId(id);
  if (flags.format === 'md' && flags.maxChars < MIN_MAX_CHARS) {
    throw new UsageError(`--max-chars ${flags.maxChars} is too small`, `Give at least ${MIN_MAX_CHARS}: the header and the list of what was left out must fit.`);
  }
  const linkBase = linkBaseOf(flags.linkBase);

  const cwd = workingDirectory(io, flags.cwd);
  const root = findRoot(cwd);
  const started = await early;
  // The range resolved from the working directory holds for the stagedocs root, which lies between it
  // and the top of the work tree; otherwise (or when anything was amiss) the checks run one by one.
  const { range, history } =
    started !== undefined && isWithin(realpathSync(root), started.range.toplevel) ? started : await checkedHistory(root, flags, io.env);
  const { headSha, baseSha } = range;
  if (flags.head !== 'HEAD' && range.currentSha !== headSha) {
    io.stderr.write(`note: documents and evidence are read from the working tree (HEAD), which is not --head ${flags.head}; check out ${flags.head} for a consistent pack\n`);
  }

  const workspace = workspaceOf(await loadRepository(root, { evidence: 'read' }));
  const known = new Set(workspace.model.stages.map((stage) => stage.data.id));
  const unknown = stageIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown stage${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`,
      known.size > 0 ? `Known stages: ${[...known].sort().slice(0, 20).join(', ')}${known.size > 20 ? ', ...' : ''}.` : 'This repository has no valid stage documents yet.',
    );
  }
  const [tags, registry] = await Promise.all([signOffTags(root, workspace.config, io.env), registryRowsOnDemand(root, workspace.config.paths.gate_results)]);
  const builder = packBuilder({
    model: workspace.model,
    runs: workspace.runs,
    registry,
    tags,
    errorsByFile: workspace.errorsByFile,
    range: { base: flags.base, baseSha, head: flags.head, headSha },
    stageIds: stageIds.length > 0 ? [...new Set(stageIds)] : undefined,
    generatedAt: io.now().toISOString(),
    toolVersion: TOOL_VERSION,
    linkBase,
    exists: (relative) => existsSync(path.join(root, relative)),
  });
  // While git log still runs, the stages are assessed a slice at a time (letting its output in
  // between); once it is done the pack assesses whatever is left as it needs it.
  let logDone = false;
  void history.then(
    () => (logDone = true),
    () => (logDone = true),
  );
  while (!logDone && builder.assessAhead(ASSESSED_PER_SLICE)) await new Promise((resolve) => setImmediate(resolve));
  const pack = builder.build(await history);
  const output =
    flags.format === 'json'
      ? `${JSON.stringify(pack, null, 2)}\n`
      : renderAuditPack(pack, { root, templatesDir: workspace.config.paths.templates, maxChars: flags.maxChars });

  if (flags.out) {
    const { writeAtomic } = await import('../../util/write-atomic.js');
    try {
      await writeAtomic(path.resolve(cwd, flags.out), output);
    } catch (error) {
      throw new UsageError(`cannot write --out \`${flags.out}\`: ${(error as Error).message}`, 'Give a file in an existing, writable folder.');
    }
  } else {
    io.stdout.write(output);
  }
  return EXIT_OK;
}

/** Only plain http(s) URLs without characters that would end a markdown link. */
function linkBaseOf(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (!/^https?:\/\/[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+$/.test(value)) {
    throw new UsageError(`--link-base \`${value.slice(0, 80)}\` is not a plain http(s) URL`, 'Give a URL such as https://github.com/owner/repo/blob/<sha>/');
  }
  return value.endsWith('/') ? value : `${value}/`;
}

interface StartedHistory {
  range: ResolvedRange;
  /** The range's commits, newest first; a rejection is handled where it is awaited. */
  history: Promise<CommitChanges[]>;
}

/** `git log` over a resolved range, started now. */
function startLog(range: ResolvedRange, env: Env): StartedHistory {
  const history = commitsInSpan(range.toplevel, { head: range.headSha, base: range.baseSha }, env);
  history.catch(() => undefined);
  return { range, history };
}

/** The range resolved in one git call, and `git log` over it started at once; undefined when anything is amiss. */
async function startHistory(dir: string, flags: AuditPackFlags, env: Env): Promise<StartedHistory | undefined> {
  const range = await resolveRangeAtOnce(dir, { head: flags.head, base: flags.base }, env);
  return range && startLog(range, env);
}

/** The same, one check at a time, each failure reported as the user needs it (not a repository, no commits, a shallow clone, an unknown ref). */
async function checkedHistory(root: string, flags: AuditPackFlags, env: Env): Promise<StartedHistory> {
  const { assertFullHistory, headCommit, requireGitRoot, resolveCommit } = await import('../../git/repository.js');
  await requireGitRoot(root, env);
  if ((await headCommit(root, env)) === undefined) {
    throw new UsageError('This repository has no commits yet; an audit pack reports on commits', 'Commit the stages and their evidence first, then run `stagedocs audit-pack --base <ref>`.');
  }
  await assertFullHistory(root, env);
  const headSha = await resolveCommit(root, env, flags.head, '--head');
  const baseSha = flags.base === undefined ? undefined : await resolveCommit(root, env, flags.base, '--base');
  const currentSha = flags.head === 'HEAD' ? headSha : await resolveCommit(root, env, 'HEAD', 'HEAD');
  return startLog({ toplevel: root, headSha, baseSha, currentSha }, env);
}

import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AuditPack, PackTime } from '../audit/pack.js';
import { resolveRangeAtOnce, type ResolvedRange } from '../audit/range.js';
import { gitText, type Env } from '../git/exec.js';
import { commitsInSpan, underRoot, type CommitChanges } from '../git/history.js';
import { prefixWithin } from '../git/root.js';
import { assertSafeRef } from '../git/refs.js';
import { NotInGitRepositoryError, OptionError, UsageError } from '../model/errors.js';
import type { Config } from '../model/config.js';
import type { OverridePolicy } from '../render/templates.js';
import { TOOL_VERSION } from '../util/version.js';
import { locate, type RootInput, type StagedocsRoot } from './root.js';

/** Stages assessed between two looks at whether git log is done: a few milliseconds of work. */
const ASSESSED_PER_SLICE = 250;

export interface AuditPackRequest {
  /** The repository: a folder in it, or the root `resolveRoot` gave. */
  root: RootInput;
  /** The environment git runs with. */
  env: Env;
  /** Report on every stage changed since this ref (default: the given stages, or every stage). */
  base?: string;
  /** The last commit of the range (default `HEAD`). */
  head?: string;
  /** Report on these stages only. */
  stages?: readonly string[];
  /** Prefix for links to files (a plain http(s) URL), or none. */
  linkBase?: string;
}

export interface AuditPackResult {
  /** Everything the pack shows, as data (what `audit-pack --format json` prints). */
  pack: AuditPack;
  /** Why the pack may not show what the caller expects (the working tree is not `head`). */
  notes: string[];
  /** The markdown of the pack, cut to `maxChars` characters with a note of what was left out. */
  render(maxChars: number): Promise<string>;
}

/**
 * Builds the audit pack of a range of commits: every changed (or given) stage with its documents,
 * decision, freeze, gate runs, verdict and next action, assessed as `status` assesses it.
 */
export async function auditPack(request: AuditPackRequest): Promise<AuditPackResult> {
  const head = request.head ?? 'HEAD';
  const stageIds = request.stages ?? [];
  // The refs are checked before git sees them; the other inputs below, before any file is read.
  if (request.base !== undefined) assertSafeRef(request.base, 'base');
  assertSafeRef(head, 'head');
  // `git log` over the range is the longest single step (a quarter of a second over ten thousand
  // commits), so it is started first, from the working directory, and everything else (loading the
  // modules below, reading the documents) happens while it runs. Any failure is left to the checks
  // below, made in their usual order, which report it.
  const located = await locate(request.root, request.env, 'optional');
  const { root } = located;
  const early = startHistory(root, head, request.base, request.env);
  early.catch(() => undefined);

  const [{ assertStageId }, { loadAssessment }, { registryRowsOnDemand }, { packBuilder }] = await Promise.all([
    import('../gates/stage-model.js'),
    import('./assess.js'),
    import('../audit/registry-rows.js'),
    import('../audit/pack.js'),
  ]);
  for (const id of stageIds) assertStageId(id);
  const linkBase = linkBaseOf(request.linkBase);
  // When anything was amiss, the checks run one by one and say what.
  const { range, history: topLevelHistory } = (await early) ?? (await checkedHistory(located, head, request.base, request.env));
  // git log names files from the top of the work tree; the pack's documents are root-relative.
  const prefix = prefixWithin(range.toplevel, root);
  const history = topLevelHistory.then((commits) => underRoot(commits, prefix));
  history.catch(() => undefined);
  const { headSha, baseSha } = range;
  const notes: string[] = [];
  if (head !== 'HEAD' && range.currentSha !== headSha) {
    notes.push(`documents and evidence are read from the working tree (HEAD), which is not ${head}; check out ${head} for a consistent pack`);
  }

  // Every stage's verdict as status and sign-off compute it (api/assess.ts).
  const { context: assessment, repository } = await loadAssessment({ root: located, env: request.env });
  const known = new Set(assessment.model.stages.map((stage) => stage.data.id));
  const unknown = stageIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown stage${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`,
      known.size > 0 ? `Known stages: ${[...known].sort().slice(0, 20).join(', ')}${known.size > 20 ? ', ...' : ''}.` : 'This repository has no valid stage documents yet.',
    );
  }
  const config = repository.config;
  const builder = packBuilder({
    assessment,
    registry: await registryRowsOnDemand(root, config.paths.gate_results),
    range: { base: request.base, baseSha, head, headSha },
    stageIds: stageIds.length > 0 ? [...new Set(stageIds)] : undefined,
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
  const commits = await history;
  const pack = builder.build(commits, await packTime(root, request.env, headSha, commits));
  return {
    pack,
    notes,
    async render(maxChars) {
      const { renderAuditPack } = await import('../audit/render.js');
      return renderAuditPack(pack, { root, templatesDir: config.paths.templates, maxChars, overrides: templateOverrides(request.env, config) });
    },
  };
}
/**
 * Overrides of the pack's templates are always restricted; in CI, where the checkout is a pull
 * request's and a template is one more file it can add, they are refused unless the configuration
 * (which the default branch's reviewers approved) allows them.
 */
function templateOverrides(env: Env, config: Config): OverridePolicy {
  const ci = (env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0') || env.GITHUB_ACTIONS === 'true';
  if (!ci || config.audit_pack.allow_template_overrides) return { restricted: true };
  return {
    restricted: true,
    refuse: {
      reason: 'overrides of the audit-pack templates are refused in CI (CI or GITHUB_ACTIONS is set): a pull request can add one',
      hint: 'Remove the override, or allow it with `audit_pack: { allow_template_overrides: true }` in stagedocs.config.yaml (it is still compiled in restricted mode).',
    },
  };
}

/**
 * The time a pack shows, so that the same repository state gives the same bytes: `SOURCE_DATE_EPOCH`
 * (seconds, https://reproducible-builds.org/specs/source-date-epoch/) when set, else the head commit's
 * committer time (from the range's log when head is in it, else one `git show`). Never the wall clock.
 */
async function packTime(root: string, env: Env, headSha: string, commits: CommitChanges[]): Promise<PackTime> {
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch !== undefined && epoch !== '') {
    const seconds = /^\d{1,12}$/.test(epoch) ? Number(epoch) : NaN;
    if (!Number.isSafeInteger(seconds)) throw new UsageError(`SOURCE_DATE_EPOCH \`${epoch.slice(0, 40)}\` is not a number of seconds`, 'Set it to a Unix time in seconds, e.g. `$(git log -1 --format=%ct)`, or unset it.');
    return { generatedAt: isoSeconds(new Date(seconds * 1000)), generatedFrom: 'SOURCE_DATE_EPOCH' };
  }
  const head = commits[0];
  const date = head?.sha === headSha ? head.date : (await gitText(root, ['show', '-s', '--no-color', '--format=%cI', headSha], env)).trim();
  return { generatedAt: isoSeconds(new Date(date)), generatedFrom: 'head-commit' };
}

/** UTC ISO 8601 to the second: `2026-11-21T12:00:00Z`. */
function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Only plain http(s) URLs without characters that would end a markdown link. */
function linkBaseOf(value: string | undefined): string {
  if (value === undefined || value === '') return '';
  if (!/^https?:\/\/[A-Za-z0-9._~:/?#@!$&'*+,;=%-]+$/.test(value)) {
    throw new OptionError('linkBase', value, 'is not a plain http(s) URL', 'Give a URL such as https://github.com/owner/repo/blob/<sha>/');
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
async function startHistory(dir: string, head: string, base: string | undefined, env: Env): Promise<StartedHistory | undefined> {
  const range = await resolveRangeAtOnce(dir, { head, base }, env);
  return range && startLog(range, env);
}

/** The same, one check at a time, each failure reported as the user needs it (not a repository, no commits, a shallow clone, an unknown ref). */
async function checkedHistory({ root, gitTop }: StagedocsRoot, head: string, base: string | undefined, env: Env): Promise<StartedHistory> {
  const { assertFullHistory, headCommit, resolveCommit } = await import('../git/repository.js');
  if (gitTop === undefined) throw new NotInGitRepositoryError(root);
  if ((await headCommit(root, env)) === undefined) {
    throw new UsageError('This repository has no commits yet; an audit pack reports on commits', 'Commit the stages and their evidence first, then run `stagedocs audit-pack --base <ref>`.');
  }
  await assertFullHistory(root, env);
  const headSha = await resolveCommit(root, env, head, 'head');
  const baseSha = base === undefined ? undefined : await resolveCommit(root, env, base, 'base');
  const currentSha = head === 'HEAD' ? headSha : await resolveCommit(root, env, 'HEAD', 'current');
  return startLog({ toplevel: gitTop, headSha, baseSha, currentSha }, env);
}

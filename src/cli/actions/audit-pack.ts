import { existsSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { buildAuditPack } from '../../audit/pack.js';
import { MIN_MAX_CHARS, renderAuditPack } from '../../audit/render.js';
import { readRegistryRows } from '../../audit/registry-rows.js';
import { loadWorkspace, signOffTags } from '../../audit/workspace.js';
import { assertStageId } from '../../gates/stage-model.js';
import { commitsInSpan } from '../../git/history.js';
import { assertFullHistory, headCommit, requireGitRoot, resolveCommit } from '../../git/repository.js';
import { assertSafeRef } from '../../git/refs.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { codeFingerprint, TOOL_VERSION } from '../../version.js';
import type { AuditPackFlags } from '../commands/audit-pack.js';
import { findRoot, workingDirectory } from '../context.js';
import type { CliIo } from '../io.js';

export async function auditPackAction(stageIds: string[], flags: AuditPackFlags, io: CliIo): Promise<number> {
  // Everything from the command line is checked before git or the file system sees it.
  if (flags.base !== undefined) assertSafeRef(flags.base, '--base');
  assertSafeRef(flags.head, '--head');
  for (const id of stageIds) assertStageId(id);
  if (flags.format === 'md' && flags.maxChars < MIN_MAX_CHARS) {
    throw new UsageError(`--max-chars ${flags.maxChars} is too small`, `Give at least ${MIN_MAX_CHARS}: the header and the list of what was left out must fit.`);
  }
  const linkBase = linkBaseOf(flags.linkBase);

  const cwd = workingDirectory(io, flags.cwd);
  const root = findRoot(cwd);
  await requireGitRoot(root, io.env);
  if ((await headCommit(root, io.env)) === undefined) {
    throw new UsageError('This repository has no commits yet; an audit pack reports on commits', 'Commit the stages and their evidence first, then run `stagedocs audit-pack --base <ref>`.');
  }
  await assertFullHistory(root, io.env);
  const headSha = await resolveCommit(root, io.env, flags.head, '--head');
  const baseSha = flags.base === undefined ? undefined : await resolveCommit(root, io.env, flags.base, '--base');
  if (flags.head !== 'HEAD' && (await resolveCommit(root, io.env, 'HEAD', 'HEAD')) !== headSha) {
    io.stderr.write(`note: documents and evidence are read from the working tree (HEAD), which is not --head ${flags.head}; check out ${flags.head} for a consistent pack\n`);
  }

  // git log runs in its own process while the documents are read and checked.
  const history = commitsInSpan(root, { head: headSha, base: baseSha }, io.env);
  history.catch(() => undefined);
  const workspace = await loadWorkspace(root, codeFingerprint());
  const known = new Set(workspace.model.stages.map((stage) => stage.data.id));
  const unknown = stageIds.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `Unknown stage${unknown.length === 1 ? '' : 's'}: ${unknown.join(', ')}`,
      known.size > 0 ? `Known stages: ${[...known].sort().slice(0, 20).join(', ')}${known.size > 20 ? ', ...' : ''}.` : 'This repository has no valid stage documents yet.',
    );
  }
  const [commits, tags, registry] = await Promise.all([
    history,
    signOffTags(root, workspace.config, io.env),
    readRegistryRows(root, workspace.config.paths.gate_results),
  ]);

  const pack = buildAuditPack({
    model: workspace.model,
    runs: workspace.runs,
    registry,
    commits,
    tags,
    errorsByFile: workspace.errorsByFile,
    range: { base: flags.base, baseSha, head: flags.head, headSha },
    stageIds: stageIds.length > 0 ? [...new Set(stageIds)] : undefined,
    generatedAt: io.now().toISOString(),
    toolVersion: TOOL_VERSION,
    linkBase,
    exists: (relative) => existsSync(path.join(root, relative)),
  });
  const output =
    flags.format === 'json'
      ? `${JSON.stringify(pack, null, 2)}\n`
      : renderAuditPack(pack, { root, templatesDir: workspace.config.paths.templates, maxChars: flags.maxChars });

  if (flags.out) {
    try {
      await writeFileAtomic(path.resolve(cwd, flags.out), output);
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

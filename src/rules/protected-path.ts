import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';
import type { Finding } from '../model/diagnostic.js';
import { placeOf, pointerSegment } from '../model/documents.js';
import type { ContractStates, StageState } from '../model/contract-states.js';
import { phaseProtectedEntries, type PhaseProtectedEntry } from '../model/phase-contract.js';
import { repositoryRule, type RepositoryRule, type RuleMeta } from './types.js';

export const protectedPathMeta: RuleMeta = {
  id: 'protected-path',
  description: "A commit does not change a path that an open stage (status not `done`) declares `protected`, nor a started phase's `protected` or `agents.must_not_modify` path without a gate run's evidence of the phase.",
  defaultSeverity: 'error',
};

const require = createRequire(import.meta.url);

/** One `protected` glob in force for a commit, with the document that declares it and where. */
export interface Protection {
  pattern: string;
  /** `stage P1-S03` (or `phase P1`): who declares the pattern. */
  owner: string;
  /** Status of the owner after the commit (or before it, when the commit deletes the owner). */
  status: string;
  /** The owner's file and the 1-based place of the pattern in it. */
  file: string;
  line: number;
  column: number;
  /** Set when the pattern is only in the owner as it was before the commit (the commit removed it). */
  removedByCommit?: boolean;
}

/**
 * The `protected` globs in force for one commit, from the stages after it and, for the stages the commit
 * changes, before it. A stage's status is the one after the commit, so a commit that closes a stage may
 * touch what it protected (the protection ends with the stage). Its patterns are those of BOTH versions:
 * with only the later list, one commit could drop a pattern and change the path it guarded, and a
 * reviewer would have to read the stage's diff to notice; with only the earlier list, a commit could add
 * a pattern together with a change it then forbids nobody. A stage the commit deletes counts as it was
 * before (deleting a stage document does not close the stage). Stages are matched by id, so a moved
 * stage document is the same stage.
 */
export function commitProtections(after: readonly StageState[], before: readonly StageState[]): Protection[] {
  const protections: Protection[] = [];
  const add = (stage: StageState, status: string, removedByCommit: boolean, skip: ReadonlySet<string>) => {
    if (status === 'done') return;
    stage.protected.forEach((pattern, index) => {
      if (skip.has(pattern)) return;
      const place = placeOf(stage.doc, `/protected/${pointerSegment(index)}`);
      protections.push({ pattern, owner: `stage ${stage.id}`, status, file: stage.doc.file, line: place.line, column: place.column, ...(removedByCommit ? { removedByCommit } : {}) });
    });
  };
  for (const stage of after) add(stage, stage.status, false, new Set());
  for (const stage of before) {
    const later = after.filter((candidate) => candidate.id === stage.id);
    if (later.length === 0) {
      add(stage, stage.status, false, new Set());
      continue;
    }
    const status = later.find((candidate) => candidate.status !== 'done')?.status ?? 'done';
    add(stage, status, true, new Set(later.flatMap((candidate) => candidate.protected)));
  }
  return protections;
}

/** A commit, for findings about it; absent for the staged changes. */
export interface ProtectedCommit {
  shortSha: string;
  /** `commit 1a2b3c4 ("subject")`, as the history rules name commits. */
  label: string;
}

/**
 * The protected-path findings of one commit (or of the staged changes): every changed path that a
 * protection in force matches. Shared by the hook (the index) and `validate --range` (each commit).
 */
export function protectedPathFindings(protections: readonly Protection[], changedPaths: readonly string[], commit?: ProtectedCommit): Finding[] {
  if (protections.length === 0 || changedPaths.length === 0) return [];
  // Loaded when there is something to match, not by every validate that imports the rules.
  const picomatch = require('picomatch') as typeof picomatchType;
  const findings: Finding[] = [];
  for (const protection of protections) {
    const matches = picomatch(protection.pattern, { dot: true });
    for (const file of changedPaths) {
      if (!matches(file)) continue;
      const where = `${protection.file}:${protection.line}:${protection.column}`;
      const removed = protection.removedByCommit ? ', removed from the list by this same commit' : '';
      const by = commit ? ` changed by ${commit.label}` : '';
      findings.push({
        file,
        line: 1,
        column: 1,
        message: `\`${file}\`${by} is protected by ${protection.owner} (${where}, pattern \`${protection.pattern}\`${removed}, status ${protection.status}); it may not change while the ${protection.owner.split(' ')[0]} is open`,
        hint: commit
          ? `Take the commit out of the branch before it merges (\`git rebase --onto ${commit.shortSha}~1 ${commit.shortSha}\`, then \`git push --force-with-lease\`); a revert is a second change of the path. If the change is wanted, close ${protection.owner} or change its \`protected\` list in an earlier commit, then make the change.`
          : `Unstage it (\`git restore --staged -- <path>\`), or close ${protection.owner} first; the protection ends when its status is \`done\`.`,
      });
    }
  }
  return findings;
}

/**
 * The findings of one commit (or of the staged changes) against the phases' patterns in force
 * (`phaseProtectedEntries`): every changed path one matches, unless the same commit carries the evidence
 * of a gate run of the phase or of one of its stages. Shared by the hook and `validate --range`.
 */
export function phaseProtectionFindings(entries: readonly PhaseProtectedEntry[], changedPaths: readonly string[], commit?: ProtectedCommit): Finding[] {
  if (entries.length === 0 || changedPaths.length === 0) return [];
  const picomatch = require('picomatch') as typeof picomatchType;
  const findings: Finding[] = [];
  for (const entry of entries) {
    if (changedPaths.some((file) => entry.runPrefixes.some((prefix) => file.startsWith(prefix)))) continue;
    const matches = picomatch(entry.pattern, { dot: true });
    for (const file of changedPaths) {
      if (!matches(file)) continue;
      const where = `${entry.file}:${entry.place.line}:${entry.place.column}`;
      const removed = entry.removedByCommit ? ', removed from the list by this same commit' : '';
      const by = commit ? ` changed by ${commit.label}` : '';
      const held = entry.list === 'protected' ? `is protected by phase ${entry.phaseId}` : `is in \`agents.must_not_modify\` of phase ${entry.phaseId}`;
      findings.push({
        file,
        line: 1,
        column: 1,
        message: `\`${file}\`${by} ${held} (${where}, pattern \`${entry.pattern}\`${removed}, status ${entry.status}); it may change only together with the evidence of a gate run of the phase or one of its stages`,
        hint: commit
          ? `Take the commit out of the branch before it merges (\`git rebase --onto ${commit.shortSha}~1 ${commit.shortSha}\`, then \`git push --force-with-lease\`); what phase ${entry.phaseId} holds changes through its gate runs (\`stagedocs gate run <stage-id>\`, committed with their evidence), or after its \`${entry.list}\` list changed in an earlier commit.`
          : `Unstage it (\`git restore --staged -- <path>\`); what phase ${entry.phaseId} holds is changed by its gate runs (\`stagedocs gate run <stage-id>\`, committed with their evidence), or after its \`${entry.list}\` list changed in a commit of its own.`,
      });
    }
  }
  return findings;
}

/**
 * Checks the staged paths against the `protected` globs of every open stage and the `protected` and
 * `agents.must_not_modify` globs of every started phase, as the documents will be after the commit,
 * together with the patterns the staged stage and phase documents had at HEAD (`before`); see
 * `commitProtections` and `phaseProtectedEntries`.
 */
export function protectedPath(stagedPaths: readonly string[], before: ContractStates = { stages: [], phases: [] }): RepositoryRule {
  return repositoryRule(protectedPathMeta, (repo, context) => {
    const { stages, phases: after } = repo.contractStates;
    const protections = commitProtections(stages, before.stages);
    for (const finding of protectedPathFindings(protections, stagedPaths)) context.report(finding);
    const phases = phaseProtectedEntries(after, before.phases, stages, repo.config.paths.gate_results);
    for (const finding of phaseProtectionFindings(phases, stagedPaths)) context.report(finding);
  });
}

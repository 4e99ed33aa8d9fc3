import { type Config } from '../model/config.js';
import type { RepositoryEvidence } from '../model/repository.js';
import type { Rule } from '../rules/types.js';
import type { RawFinding } from './diagnostics.js';
import type { FileFacts } from './facts.js';
import { readDigest, type ReadList } from './read-trace.js';
import { ownFindingsOf } from './repository-rules.js';

/**
 * A full run of the repository rules in a long-lived process (the language server), kept so that a
 * later run can reuse its findings: the facts it ran on, what the rules read of each document
 * (read-trace.ts), every existence check and its answer, and the findings.
 */
export interface LiveRun {
  files: readonly string[];
  facts: readonly FileFacts[];
  /** What the repository rules read of each file, by its index in `files`. */
  reads: readonly ReadList[];
  /** Each file's own findings (parse and document rules) and whether the model typed it, by index. */
  own: ReadonlyArray<{ own: RawFinding[]; schemaValid: boolean }>;
  /** The findings of the built-in repository rules. */
  findings: readonly RawFinding[];
  exists: ReadonlyMap<string, boolean>;
  /** The inputs besides the documents, compared by identity (the session replaces them when they change). */
  evidence: RepositoryEvidence | undefined;
  extraRules: readonly Rule[];
}

/**
 * The last two full runs. Two, because typing often goes back and forth between two states the rules
 * read differently (a key half typed is a schema error, then it is whole again); each run is small
 * beside the facts it shares with the live entries.
 */
export class LiveRuns {
  private kept: LiveRun[] = [];

  keep(run: LiveRun): void {
    this.kept = [run, ...this.kept].slice(0, 2);
  }

  /**
   * The findings a full run over `facts` would make, when a kept run had the same documents, the same
   * inputs and the same existence answers, and each document whose facts differ gives the rules the
   * same values (rules are deterministic functions of what they read): each file's own findings in
   * file order, then the kept repository rules' findings, as a full run orders them. Undefined: run in full.
   */
  reuse(files: readonly string[], facts: readonly FileFacts[], inputs: { evidence: RepositoryEvidence | undefined; extraRules: readonly Rule[] }, exists: (relativePath: string) => boolean, config: Config, rules: readonly Rule[]): RawFinding[] | undefined {
    for (const run of this.kept) {
      const reused = reuseRun(run, files, facts, inputs, exists, config, rules);
      if (reused) return reused;
    }
    return undefined;
  }
}

function reuseRun(run: LiveRun, files: readonly string[], facts: readonly FileFacts[], inputs: { evidence: RepositoryEvidence | undefined; extraRules: readonly Rule[] }, exists: (relativePath: string) => boolean, config: Config, rules: readonly Rule[]): RawFinding[] | undefined {
  if (run.evidence !== inputs.evidence || run.extraRules !== inputs.extraRules || !sameFiles(run.files, files)) return undefined;
  const changed = new Map<number, RawFinding[]>();
  for (let index = 0; index < facts.length; index++) {
    const now = facts[index]!;
    const then = run.facts[index]!;
    if (now === then) continue;
    const { own, schemaValid } = ownFindingsOf(now, config, rules);
    const reads = run.reads[index]!;
    const before = readDigest(then.doc, reads, run.own[index]!.schemaValid);
    if (before === undefined || readDigest(now.doc, reads, schemaValid) !== before) return undefined;
    changed.set(index, own);
  }
  for (const [relativePath, answer] of run.exists) if (exists(relativePath) !== answer) return undefined;
  const raw: RawFinding[] = [];
  for (let index = 0; index < files.length; index++) raw.push(...(changed.get(index) ?? run.own[index]!.own));
  raw.push(...run.findings);
  return raw;
}

function sameFiles(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  return a.length === b.length && a.every((file, index) => file === b[index]);
}

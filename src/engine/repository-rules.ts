import { type Config } from '../model/config.js';
import type { ParsedDocument } from '../model/documents.js';
import { buildModel, type RepositoryEvidence, type RepositoryModel } from '../model/repository.js';
import type { Rule } from '../rules/types.js';
import { builtinContracts } from './builtin-contracts.js';
import { severityOf, type RawFinding } from './diagnostics.js';
import type { FileFacts } from './facts.js';
import { optionsOf } from './rule-options.js';
import type { ReadRecorder } from './read-trace.js';
import type { DocumentSource } from './source.js';

/** A document with a finding of one of these rules (when on) is left out of the typed model. */
const SCHEMA_RULES: ReadonlySet<string> = new Set(['readable-file', 'frontmatter-syntax', 'frontmatter-schema']);

/** What `modelOf` gives: the model, every file's own findings, and which documents the model leaves untyped. */
interface ModelAndFindings {
  model: RepositoryModel;
  /** Every file's own findings (parse and document rules), in the order of the files. */
  raw: RawFinding[];
  /** The same, one list per file. */
  ownFindings: RawFinding[][];
  /** Files with a finding of a schema rule that is on: the model does not type them. */
  schemaInvalid: ReadonlySet<string>;
  /** The model again, of documents that record what is read of them (`recorder`): for the repository rules. */
  watched?: RepositoryModel;
}

/**
 * The document findings of every file, and the model the repository rules see: every document, typed
 * only when its frontmatter passed the schema rules. With a recorder, also the same model of
 * recording documents, so that the repository rules' reads are known (read-trace.ts) while the model
 * callers keep reads at full speed.
 */
export function modelOf(
  facts: readonly FileFacts[],
  config: Config,
  rules: readonly Rule[],
  source: Pick<DocumentSource, 'exists' | 'fileSystem'>,
  evidence: RepositoryEvidence | undefined,
  recorder?: ReadRecorder,
): ModelAndFindings {
  const schemaInvalid = new Set<string>();
  const ownFindings = facts.map((fact) => {
    const { own, schemaValid } = ownFindingsOf(fact, config, rules);
    if (!schemaValid) schemaInvalid.add(fact.doc.file);
    return own;
  });
  const fileSystem = source.fileSystem?.();
  const build = (documents: ParsedDocument[], seen: RepositoryEvidence | undefined) =>
    buildModel(config, documents, (doc) => !schemaInvalid.has(doc.file), (relativePath) => source.exists(relativePath), seen, fileSystem, builtinContracts());
  const model = build(
    facts.map((fact) => fact.doc),
    evidence,
  );
  const result: ModelAndFindings = { model, raw: ownFindings.flat(), ownFindings, schemaInvalid };
  if (recorder) {
    const watchedEvidence = evidence?.history ? { ...evidence, history: recorder.watchHistory(evidence.history) } : evidence;
    result.watched = build(
      facts.map((fact) => recorder.watch(fact.doc)),
      watchedEvidence,
    );
  }
  return result;
}

/** A file's own findings (parse and document rules), and whether the model types it (no finding of a schema rule that is on). */
export function ownFindingsOf(fact: FileFacts, config: Config, rules: readonly Rule[]): { own: RawFinding[]; schemaValid: boolean } {
  const own: RawFinding[] = [];
  let schemaValid = true;
  for (const found of [...fact.problems, ...fact.findings]) {
    own.push({ ...found, file: found.file ?? fact.doc.file });
    if (SCHEMA_RULES.has(found.ruleId) && severityOf(found.ruleId, config, rules) !== undefined) schemaValid = false;
  }
  return { own, schemaValid };
}

/** Runs the repository-scoped rules among `toRun` that are not off, adding their findings to `raw`. */
export function runRepositoryRules(toRun: readonly Rule[], model: RepositoryModel, config: Config, rules: readonly Rule[], raw: RawFinding[]): void {
  for (const rule of toRun) {
    if (rule.scope !== 'repository' || severityOf(rule.meta.id, config, rules) === undefined) continue;
    rule.check(model, {
      config,
      options: optionsOf(rule.meta.id, config),
      report: (finding) => raw.push({ ...finding, ruleId: rule.meta.id, file: finding.file ?? '' }),
    });
  }
}

import { type Config } from '../model/config.js';
import { buildModel, type RepositoryEvidence, type RepositoryModel } from '../model/repository.js';
import type { Rule } from '../rules/types.js';
import { builtinContracts } from './builtin-contracts.js';
import { severityOf, type RawFinding } from './diagnostics.js';
import type { FileFacts } from './facts.js';
import { optionsOf } from './rule-options.js';
import type { DocumentSource } from './source.js';

/** A document with a finding of one of these rules (when on) is left out of the typed model. */
const SCHEMA_RULES = new Set(['readable-file', 'frontmatter-syntax', 'frontmatter-schema']);

/**
 * The document findings of every file, and the model the repository rules see: every document, typed
 * only when its frontmatter passed the schema rules.
 */
export function modelOf(
  facts: readonly FileFacts[],
  config: Config,
  rules: readonly Rule[],
  source: Pick<DocumentSource, 'exists' | 'fileSystem'>,
  evidence: RepositoryEvidence | undefined,
): { model: RepositoryModel; raw: RawFinding[] } {
  const schemaInvalid = new Set<string>();
  const raw: RawFinding[] = [];
  for (const fact of facts) {
    for (const found of [...fact.problems, ...fact.findings]) {
      raw.push({ ...found, file: found.file ?? fact.doc.file });
      if (SCHEMA_RULES.has(found.ruleId) && severityOf(found.ruleId, config, rules) !== undefined) schemaInvalid.add(fact.doc.file);
    }
  }
  const model = buildModel(config, facts.map((fact) => fact.doc), (doc) => !schemaInvalid.has(doc.file), (relativePath) => source.exists(relativePath), evidence, source.fileSystem?.(), builtinContracts());
  return { model, raw };
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

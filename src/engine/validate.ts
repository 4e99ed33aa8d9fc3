import type { Config, RuleConfig } from '../config/config.js';
import { compareDiagnostics, type Diagnostic, type Finding, type Severity } from '../model/diagnostic.js';
import type { ParsedDocument } from '../model/documents.js';
import { parseDocumentBytes } from '../parse/document.js';
import { RULES } from '../rules/index.js';
import type { DocumentRule, Rule } from '../rules/types.js';
import { contentHash, FactsCache, type FileFacts } from './cache.js';
import { buildModel, type RepositoryModel } from './repository.js';
import { kindFromPath, type DocumentSource } from './source.js';

export interface ValidateOptions {
  root: string;
  config: Config;
  /** Hash of the configuration; with the tool version it keys the cache. */
  configHash: string;
  toolVersion: string;
  source: DocumentSource;
  /** Report only on these repository-relative files; the whole repository is still read for cross-file rules. */
  only?: ReadonlySet<string>;
  useCache: boolean;
  /** Extra rules (history, evidence) that run after the built-in ones. */
  extraRules?: readonly Rule[];
}

export interface ValidationResult {
  diagnostics: Diagnostic[];
  errorCount: number;
  warningCount: number;
  /** Number of documents reported on. */
  fileCount: number;
  model: RepositoryModel;
}

const SCHEMA_RULES = new Set(['readable-file', 'frontmatter-syntax', 'frontmatter-schema']);

/** Validates every document of a repository. Returns diagnostics; never throws for bad content. */
export async function validateRepository(options: ValidateOptions): Promise<ValidationResult> {
  const { config, source } = options;
  const rules = [...RULES, ...(options.extraRules ?? [])];
  const documentRules = rules.filter((rule): rule is DocumentRule => rule.scope === 'document');
  const cache = options.useCache ? await FactsCache.open(options.root, `${options.toolVersion}:${options.configHash}`) : undefined;

  const files = await source.list();
  const facts = await Promise.all(
    files.map(async (file) => {
      const stamp = cache ? source.stamp?.(file) : undefined;
      const unchanged = stamp ? cache?.getByStamp(file, stamp) : undefined;
      if (unchanged) return unchanged;
      const bytes = await source.read(file);
      const sha = contentHash(bytes);
      const cached = cache?.get(file, sha, stamp);
      if (cached) return cached;
      const computed = factsOf(file, bytes, config, documentRules);
      cache?.set(file, sha, computed, stamp);
      return computed;
    }),
  );
  await cache?.save();

  const schemaInvalid = new Set<string>();
  const raw: Array<Finding & { ruleId: string; file: string }> = [];
  for (const fact of facts) {
    for (const found of [...fact.problems, ...fact.findings]) {
      raw.push({ ...found, file: found.file ?? fact.doc.file });
      if (SCHEMA_RULES.has(found.ruleId) && severityOf(found.ruleId, config, rules) !== undefined) schemaInvalid.add(fact.doc.file);
    }
  }
  const model = buildModel(config, facts.map((fact) => fact.doc), (doc) => !schemaInvalid.has(doc.file), source.exists);
  for (const rule of rules) {
    if (rule.scope !== 'repository' || severityOf(rule.meta.id, config, rules) === undefined) continue;
    rule.check(model, {
      config,
      options: optionsOf(rule.meta.id, config),
      report: (finding) => raw.push({ ...finding, ruleId: rule.meta.id, file: finding.file ?? '' }),
    });
  }

  const diagnostics: Diagnostic[] = [];
  for (const finding of raw) {
    if (options.only && !options.only.has(finding.file)) continue;
    const severity = severityOf(finding.ruleId, config, rules);
    if (!severity) continue;
    diagnostics.push(stamp(finding, severity));
  }
  diagnostics.sort(compareDiagnostics);
  return {
    diagnostics,
    errorCount: diagnostics.filter((d) => d.severity === 'error').length,
    warningCount: diagnostics.filter((d) => d.severity === 'warning').length,
    fileCount: options.only ? files.filter((file) => options.only!.has(file)).length : files.length,
    model,
  };
}

/** Parses one file and runs the document rules on it: everything that depends on this file alone. */
export function factsOf(file: string, bytes: Uint8Array, config: Config, documentRules: readonly DocumentRule[]): FileFacts {
  const { doc, problems } = parseDocumentBytes(file, bytes, { kindHint: kindFromPath(file, config), maxBytes: config.limits.max_file_bytes });
  const findings: FileFacts['findings'] = [];
  // Content rules on a document whose frontmatter could not be read would only add noise.
  if (problems.length === 0) {
    const schemaValid = documentRules.find((rule) => rule.meta.id === 'frontmatter-schema');
    const ordered = schemaValid ? [schemaValid, ...documentRules.filter((rule) => rule !== schemaValid)] : documentRules;
    for (const rule of ordered) {
      if (!appliesTo(rule, doc) || config.rules[rule.meta.id]?.severity === 'off') continue;
      rule.check(doc, {
        config,
        options: optionsOf(rule.meta.id, config),
        report: (finding) => findings.push({ ...finding, ruleId: rule.meta.id }),
      });
    }
  }
  return { doc, problems, findings };
}

function appliesTo(rule: Rule, doc: ParsedDocument): boolean {
  return !rule.meta.kinds || (doc.kind !== undefined && rule.meta.kinds.includes(doc.kind));
}

/** The severity a rule's findings get, or undefined when the rule is off. */
function severityOf(ruleId: string, config: Config, rules: readonly Rule[]): Severity | undefined {
  const setting = config.rules[ruleId]?.severity ?? rules.find((rule) => rule.meta.id === ruleId)?.meta.defaultSeverity ?? 'error';
  if (setting === 'off') return undefined;
  return setting === 'warn' ? 'warning' : 'error';
}

function optionsOf(ruleId: string, config: Config): RuleConfig {
  const { severity: _severity, ...options } = config.rules[ruleId] ?? {};
  return options;
}

function stamp(finding: Finding & { ruleId: string; file: string }, severity: Severity): Diagnostic {
  const diagnostic: Diagnostic = {
    file: finding.file,
    line: Math.max(1, finding.line),
    column: Math.max(1, finding.column),
    ruleId: finding.ruleId,
    severity,
    message: finding.message,
  };
  if (finding.endLine !== undefined) diagnostic.endLine = finding.endLine;
  if (finding.endColumn !== undefined) diagnostic.endColumn = finding.endColumn;
  if (finding.hint) diagnostic.hint = finding.hint;
  diagnostic.docs = `docs/rules/${finding.ruleId}.md`;
  return diagnostic;
}

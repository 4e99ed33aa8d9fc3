import { type Config, type RuleConfig } from '../model/config.js';
import type { Finding } from '../model/diagnostic.js';
import type { DocumentKind, ParsedDocument } from '../model/documents.js';
import type { RepositoryModel } from '../model/repository.js';

export interface RuleMeta {
  /** Equals the rule's file name and its docs page `docs/rules/<id>.md`. */
  id: string;
  description: string;
  defaultSeverity: 'error' | 'warn';
  /** Document kinds the rule looks at; all when absent. */
  kinds?: readonly DocumentKind[];
  /**
   * JSON Schemas of the rule's options (`rules.<id>: { severity, <option>: … }`), by option name. The
   * configuration is checked against them, so a misspelt or mistyped option is an error, not ignored.
   */
  options?: Readonly<Record<string, object>>;
}

interface RuleContext {
  config: Config;
  /** The rule's options from the configuration (`rules.<id>`), without `severity`. */
  options: RuleConfig;
  report(finding: Finding): void;
}

/** A rule that looks at one document at a time; its findings are cached with the document. */
export interface DocumentRule {
  meta: RuleMeta;
  scope: 'document';
  check(doc: ParsedDocument, context: RuleContext): void;
}

/** A rule across documents (references, cycles, progression); it reruns on every validation. */
export interface RepositoryRule {
  meta: RuleMeta;
  scope: 'repository';
  check(repo: RepositoryModel, context: RuleContext): void;
}

/** A rule whose findings come from the parser itself (it has no check of its own). */
export interface ParseRule {
  meta: RuleMeta;
  scope: 'parse';
}

export type Rule = ParseRule | DocumentRule | RepositoryRule;

export function documentRule(meta: RuleMeta, check: DocumentRule['check']): DocumentRule {
  return { meta, scope: 'document', check };
}

export function repositoryRule(meta: RuleMeta, check: RepositoryRule['check']): RepositoryRule {
  return { meta, scope: 'repository', check };
}

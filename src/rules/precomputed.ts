import type { Finding } from '../model/diagnostic.js';
import { repositoryRule, type RepositoryRule, type RuleMeta } from './types.js';

/**
 * A rule whose findings come from git rather than from the documents (history, the index): git is
 * read once at the edge, and the rule only hands over what was found, so the engine still applies
 * severities, `only` and sorting the same way as for every other rule.
 */
export function precomputedRule(meta: RuleMeta, findings: ReadonlyArray<Finding & { ruleId: string }>): RepositoryRule {
  return repositoryRule(meta, (_repo, context) => {
    for (const { ruleId, ...finding } of findings) if (ruleId === meta.id) context.report(finding);
  });
}

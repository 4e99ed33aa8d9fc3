import { type Config } from '../model/config.js';
import type { Finding } from '../model/diagnostic.js';
import type { ParsedDocument } from '../model/documents.js';
import { parseDocumentBytes, type ParseProblem } from '../parse/document.js';
import type { Places } from '../parse/markdown.js';
import type { DocumentRule, Rule } from '../rules/types.js';
import { optionsOf } from './rule-options.js';
import { kindFromPath } from './source.js';

/** What validation learns from one file alone: reusable while its bytes, the tool and the config stay the same. */
export interface FileFacts {
  doc: ParsedDocument;
  problems: ParseProblem[];
  /** Findings of document-scoped rules, by rule id. */
  findings: Array<Finding & { ruleId: string }>;
}

/** Parses one file and runs the document rules on it: everything that depends on this file alone (`places`: see parseDocumentBytes). */
export async function factsOf(file: string, bytes: Uint8Array, config: Config, documentRules: readonly DocumentRule[], places: Places = 'now'): Promise<FileFacts> {
  const { doc, problems } = await parseDocumentBytes(file, bytes, { kindHint: kindFromPath(file, config), maxBytes: config.limits.max_file_bytes, places });
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

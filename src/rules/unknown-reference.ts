import { placeOf, type ParsedDocument } from '../model/documents.js';
import { truncate } from '../util/text.js';
import { repositoryRule } from './types.js';
import { entrySubjectId } from '../model/phase-contract.js';

export const unknownReference = repositoryRule(
  {
    id: 'unknown-reference',
    description: 'References must name documents that exist: `phase`, `depends_on`, `decision`, `upstream`, `downstream`, a decision\'s `stages` and `supersedes`, a freeze file\'s `stage` and `decision_tag`.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    // Documents whose frontmatter failed its schema still exist: their own diagnostics say what is
    // wrong, and a reference to them is not "unknown".
    const declared = (kind: ParsedDocument['kind'], key: string) =>
      new Set(repo.documents.filter((doc) => doc.kind === kind && typeof doc.data?.[key] === 'string').map((doc) => doc.data![key] as string));
    const phases = declared('phase', 'id');
    const stages = declared('stage', 'id');
    const decisions = declared('decision', 'decision_tag');
    const refer = (doc: ParsedDocument, pointer: string, value: unknown, known: Set<string>, what: string, fix: string): void => {
      if (typeof value !== 'string' || known.has(value)) return;
      context.report({
        file: doc.file,
        ...placeOf(doc, pointer),
        message: `${what} \`${truncate(value)}\` does not exist`,
        hint: suggest(value, known) ?? fix,
      });
    };
    const referAll = (doc: ParsedDocument, key: string, values: unknown, known: Set<string>, what: string, fix: string): void => {
      if (!Array.isArray(values)) return;
      values.forEach((value, index) => refer(doc, `/${key}/${index}`, value, known, what, fix));
    };
    for (const { doc, data } of repo.stages) {
      refer(doc, '/phase', data.phase, phases, 'Phase', 'Create it with `stagedocs new-phase`, or fix the id.');
      referAll(doc, 'depends_on', data.depends_on, stages, 'Stage', 'Fix the id, or remove it from `depends_on`.');
      refer(doc, '/decision', data.decision, decisions, 'Decision note', 'Create it with `stagedocs new-decision`, or fix the tag.');
    }
    for (const { doc, data } of repo.phases) {
      referAll(doc, 'upstream', data.upstream, phases, 'Phase', 'Fix the id, or remove it.');
      referAll(doc, 'downstream', data.downstream, phases, 'Phase', 'Fix the id, or remove it.');
    }
    // A decision may answer a failed run of a phase's exit gates (subject: the phase) or entry gates (`<phase-id>-entry`).
    const gateSubjects = new Set([...stages, ...repo.phases.flatMap(({ data }) => [data.id, ...((data.entry?.gates ?? []).length > 0 ? [entrySubjectId(data.id)] : [])])]);
    for (const { doc, data } of repo.decisions) {
      referAll(doc, 'stages', data.stages, gateSubjects, 'Stage', 'Fix the id, or remove it from `stages`.');
      refer(doc, '/supersedes', data.supersedes, decisions, 'Decision note', 'Fix the tag of the note this one replaces.');
    }
    for (const { doc, data } of repo.freezes) {
      refer(doc, '/stage', data.stage, stages, 'Stage', 'A freeze file belongs to an existing stage.');
      refer(doc, '/decision_tag', data.decision_tag, decisions, 'Decision note', 'A freeze file names an existing decision note.');
    }
  },
);

function suggest(value: string, known: Set<string>): string | undefined {
  const lower = value.toLowerCase();
  for (const candidate of known) if (candidate.toLowerCase() === lower) return `Did you mean \`${candidate}\`? Ids are case-sensitive.`;
  return undefined;
}

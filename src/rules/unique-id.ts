import { placeOf } from '../model/documents.js';
import { entrySubjectId } from '../model/phase-contract.js';
import type { Typed } from '../model/repository.js';
import { repositoryRule } from './types.js';

export const uniqueId = repositoryRule(
  {
    id: 'unique-id',
    description:
      'Phase and stage ids are unique across the repository (and none is `<phase-id>-entry`, the id of a phase\'s entry-gate runs), decision tags across decision notes, and each stage has at most one freeze file.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    const check = (documents: Array<Typed<Record<string, unknown>>>, key: string, what: string): void => {
      const first = new Map<string, Typed<Record<string, unknown>>>();
      for (const entry of documents) {
        const id = entry.data[key];
        if (typeof id !== 'string') continue;
        const earlier = first.get(id);
        if (!earlier) {
          first.set(id, entry);
          continue;
        }
        const at = placeOf(earlier.doc, `/${key}`);
        context.report({
          file: entry.doc.file,
          ...placeOf(entry.doc, `/${key}`),
          message: `${what} \`${id}\` is already used by ${earlier.doc.file}:${at.line}, expected a unique value`,
          hint: 'Give this document a new id; scaffolding commands pick the next free one.',
        });
      }
    };
    const asRecords = <T>(list: Array<Typed<T>>) => list as unknown as Array<Typed<Record<string, unknown>>>;
    check([...asRecords(repo.phases), ...asRecords(repo.stages)], 'id', 'Id');
    // Gate runs, run folders and registry rows share one namespace of subject ids: stages, phases (their
    // exit gates) and `<phase-id>-entry` (their entry gates). A phase id already clashes above; an id
    // equal to a phase's entry id would make its runs indistinguishable from that phase's entry runs.
    const entryIds = new Map(repo.phases.map((phase) => [entrySubjectId(phase.data.id), phase]));
    for (const entry of [...asRecords(repo.phases), ...asRecords(repo.stages)]) {
      const id = entry.data.id;
      const phase = typeof id === 'string' ? entryIds.get(id) : undefined;
      if (!phase) continue;
      const at = placeOf(phase.doc, '/id');
      context.report({
        file: entry.doc.file,
        ...placeOf(entry.doc, '/id'),
        message: `Id \`${id}\` is the id of the entry-gate runs of phase \`${phase.data.id}\` (${phase.doc.file}:${at.line}), expected an id that no gate run of a phase uses`,
        hint: `Give this document a new id; \`${id}\` names the run folders \`${id}_<timestamp>\` and the registry rows of \`stagedocs gate run ${phase.data.id} --entry\`.`,
      });
    }
    check(asRecords(repo.decisions), 'decision_tag', 'Decision tag');
    check(asRecords(repo.freezes), 'stage', 'Freeze file for stage');
  },
);

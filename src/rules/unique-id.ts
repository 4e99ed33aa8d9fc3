import { placeOf } from '../model/documents.js';
import type { Typed } from '../model/repository.js';
import { repositoryRule } from './types.js';

export const uniqueId = repositoryRule(
  {
    id: 'unique-id',
    description: 'Phase and stage ids are unique across the repository, decision tags across decision notes, and each stage has at most one freeze file.',
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
    check(asRecords(repo.decisions), 'decision_tag', 'Decision tag');
    check(asRecords(repo.freezes), 'stage', 'Freeze file for stage');
  },
);

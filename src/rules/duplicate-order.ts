import { placeOf } from '../model/documents.js';
import { stagesOfPhase } from '../model/repository.js';
import { repositoryRule } from './types.js';

/**
 * Two stages of a phase with the same `order` leave the sequence ambiguous: a stage after them that
 * relies on the default dependency (the previous stage by `order`) waits for only one of them, so the
 * other can be skipped. Allowed only when `depends_on` makes the sequence explicit: every stage of the
 * tie declares it, and so does every stage whose previous stage would be one of them.
 */
export const duplicateOrder = repositoryRule(
  {
    id: 'duplicate-order',
    description: 'Two stages of a phase may share an `order` only when `depends_on` makes the sequence explicit (on each of them and on the stage after them).',
    defaultSeverity: 'error',
    kinds: ['stage'],
  },
  (repo, context) => {
    for (const phase of new Set(repo.stages.map((stage) => stage.data.phase))) {
      const stages = stagesOfPhase(repo, phase);
      const byOrder = new Map<number, typeof stages>();
      for (const stage of stages) {
        const tied = byOrder.get(stage.data.order);
        if (tied) tied.push(stage);
        else byOrder.set(stage.data.order, [stage]);
      }
      for (const [order, tied] of byOrder) {
        if (tied.length < 2) continue;
        // The stages after the tie that would take their default dependency from it.
        const later = stages.filter((stage) => stage.data.order > order);
        const nextOrder = later.length > 0 ? Math.min(...later.map((stage) => stage.data.order)) : undefined;
        const implicitNext = later.filter((stage) => stage.data.order === nextOrder && stage.data.depends_on === undefined);
        const implicitTied = tied.filter((stage) => stage.data.depends_on === undefined);
        if (implicitNext.length === 0 && implicitTied.length === 0) continue;
        const [first, ...others] = [...tied].sort((a, b) => (a.doc.file < b.doc.file ? -1 : a.doc.file > b.doc.file ? 1 : 0));
        const without = [...implicitTied, ...implicitNext].map((stage) => `\`${stage.data.id}\``).join(', ');
        for (const { doc, data } of others) {
          context.report({
            file: doc.file,
            ...placeOf(doc, '/order'),
            message: `Stage \`${data.id}\` has \`order: ${order}\`, like \`${first!.data.id}\` (${first!.doc.file}) in phase \`${phase}\`, and ${without} ${implicitTied.length + implicitNext.length === 1 ? 'has' : 'have'} no \`depends_on\`, expected a unique order or an explicit sequence`,
            hint: 'Give each stage its own `order`, or declare `depends_on` on the stages of the tie and on the stage after them (it then waits for all of them).',
          });
        }
      }
    }
  },
);

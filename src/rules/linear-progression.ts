import { placeOf } from '../model/documents.js';
import { dependenciesOf, stagesOfPhase } from '../model/repository.js';
import { repositoryRule } from './types.js';

/** The statuses of a stage that has started: what its dependencies (and its phase's entry) must allow. */
export const STARTED = new Set(['in-progress', 'validating', 'done']);

export const linearProgression = repositoryRule(
  {
    id: 'linear-progression',
    description: 'A stage may not be in-progress, validating or done while a stage it depends on is not done; a phase may not be done while one of its stages is not.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    const stages = new Map(repo.stages.map((stage) => [stage.data.id, stage]));
    for (const { doc, data } of repo.stages) {
      if (!STARTED.has(data.status)) continue;
      for (const dependencyId of dependenciesOf(repo, data)) {
        const dependency = stages.get(dependencyId);
        if (!dependency || dependency.data.status === 'done') continue;
        context.report({
          file: doc.file,
          ...placeOf(doc, '/status'),
          message: `Stage \`${data.id}\` is \`${data.status}\` while \`${dependencyId}\` (${dependency.doc.file}) is \`${dependency.data.status}\`, expected it \`done\` first`,
          hint: `Finish and pass the gate of \`${dependencyId}\` first, or set this stage back to \`not-started\`.`,
        });
      }
    }
    for (const { doc, data } of repo.phases) {
      if (data.status !== 'done') continue;
      for (const stage of stagesOfPhase(repo, data.id)) {
        if (stage.data.status === 'done') continue;
        context.report({
          file: doc.file,
          ...placeOf(doc, '/status'),
          message: `Phase \`${data.id}\` is \`done\` while its stage \`${stage.data.id}\` is \`${stage.data.status}\``,
          hint: 'A phase is done when all of its stages are done.',
        });
      }
    }
  },
);

import { freezeCommand, placeOf, freezePathOf } from '../model/documents.js';
import { freezeAt } from '../model/repository.js';
import { repositoryRule } from './types.js';

export const freezeRequired = repositoryRule(
  {
    id: 'freeze-required',
    description: 'A stage with `freeze: required` that has started needs its freeze file freeze/<stage-id>.freeze.json.',
    defaultSeverity: 'error',
    kinds: ['stage'],
  },
  (repo, context) => {
    for (const { doc, data } of repo.stages) {
      if (data.freeze !== 'required' || data.status === 'not-started') continue;
      const file = freezePathOf(repo.config.paths.freeze, data.id);
      if (freezeAt(repo, file)?.data.stage === data.id) continue;
      context.report({
        file: doc.file,
        ...placeOf(doc, '/freeze'),
        message: `Stage \`${data.id}\` is \`${data.status}\` with \`freeze: required\`, but ${file} does not exist (or is invalid)`,
        hint: `Freeze its inputs before any official run: \`${freezeCommand(data.id)}\`, then commit the file.`,
      });
    }
  },
);

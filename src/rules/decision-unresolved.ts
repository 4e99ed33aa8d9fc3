import { placeOf } from '../model/documents.js';
import { describeDecisionNeed, unmetDecisions } from '../model/decision-needs.js';
import { repositoryRule } from './types.js';

export const decisionUnresolved = repositoryRule(
  {
    id: 'decision-unresolved',
    description: 'A stage marked done has the decisions it declares settled: `requires_decision: accepted` needs its `decision` accepted, `decisions_resolved` needs those notes no longer `proposed`.',
    defaultSeverity: 'error',
    kinds: ['stage', 'decision'],
  },
  (repo, context) => {
    for (const { doc, data } of repo.stages) {
      if (data.status !== 'done') continue;
      for (const need of unmetDecisions(repo, data)) {
        context.report({
          file: doc.file,
          ...placeOf(doc, '/status'),
          message: `Stage \`${data.id}\` is \`done\` while ${describeDecisionNeed(need)}`,
          hint:
            need.tag === undefined
              ? `Write the decision note (\`stagedocs new-decision "<title>" --stage ${data.id}\`), set \`decision:\` to its tag and its \`status: accepted\`, or set this stage back to \`in-progress\`.`
              : `Settle ${need.tag} (set its \`status\` to ${need.expected === 'accepted' ? '`accepted`' : '`accepted`, `rejected` or `superseded`'}), or set this stage back to \`in-progress\`.`,
        });
      }
    }
  },
);

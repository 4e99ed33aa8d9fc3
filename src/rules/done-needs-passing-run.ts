import { stageGatesWithOrigin } from '../model/contracts.js';
import { placeOf } from '../model/documents.js';
import { notPassedReason, stageRuns } from '../model/progression.js';
import { repositoryRule } from './types.js';

export { ranCurrentGates } from '../model/progression.js';

export const doneNeedsPassingRun = repositoryRule(
  {
    id: 'done-needs-passing-run',
    description:
      'A stage marked done needs its newest counting gate run to pass: finished, of its current gates, on a clean tree at a commit in HEAD\'s history, with a matching registry row.',
    defaultSeverity: 'error',
    kinds: ['stage'],
  },
  (repo, context) => {
    const evidence = repo.evidence;
    if (!evidence) return;
    const trust = { registry: evidence.registry, history: evidence.history };
    for (const { doc, data } of repo.stages) {
      if (data.status !== 'done') continue;
      // The same judgement status, audit-pack, gate run and sign-off make (model/progression.ts).
      const gates = stageGatesWithOrigin(repo, data);
      const judged = stageRuns(data, evidence.runs, trust, gates.map((entry) => entry.gate));
      if (judged.passed) continue;
      context.report({
        file: doc.file,
        ...placeOf(doc, '/status'),
        message: `Stage \`${data.id}\` is \`done\` without a passing gate run that counts: ${notPassedReason(data, judged, gates)}`,
        hint: `Run \`stagedocs gate run ${data.id}\` on a clean tree until it passes (and commit the evidence), or set \`status\` back to \`validating\`.`,
      });
    }
  },
);

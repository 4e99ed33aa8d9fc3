import { placeOf } from '../model/documents.js';
import { documentEntryFacts, entryProblems } from '../model/phase-contract.js';
import { STARTED } from './linear-progression.js';
import { repositoryRule } from './types.js';

export const phaseEntry = repositoryRule(
  {
    id: 'phase-entry',
    description: "A stage may not be in-progress, validating or done while its phase's entry contract (upstream phases done, entry files, file checks, entry gates) is unmet.",
    defaultSeverity: 'error',
  },
  (repo, context) => {
    const facts = documentEntryFacts(repo);
    // Judged once per phase: every started stage of it gets the same problems.
    const problemsOf = new Map<string, ReturnType<typeof entryProblems>>();
    const phases = new Map(repo.phases.map((phase) => [phase.data.id, phase]));
    for (const { doc, data } of repo.stages) {
      if (!STARTED.has(data.status)) continue;
      const phase = phases.get(data.phase);
      if (!phase?.data.entry) continue;
      let problems = problemsOf.get(phase.data.id);
      if (!problems) {
        problems = entryProblems(phase, facts, 'done');
        problemsOf.set(phase.data.id, problems);
      }
      for (const problem of problems) {
        context.report({
          file: doc.file,
          ...placeOf(doc, '/status'),
          message: `Stage \`${data.id}\` is \`${data.status}\` while the entry of phase \`${phase.data.id}\` is unmet: ${problem.reason} (${phase.doc.file}:${problem.place.line}:${problem.place.column}), expected the entry met before the stage starts`,
          hint: `${problem.fix.charAt(0).toUpperCase()}${problem.fix.slice(1)}, or set this stage back to \`not-started\`.`,
        });
      }
    }
  },
);

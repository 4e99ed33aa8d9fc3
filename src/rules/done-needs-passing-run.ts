import { placeOf, type GateSpec, gateType } from '../model/documents.js';
import { type RunReport, runsOfStage } from '../model/evidence.js';
import { isFullPassingRun } from '../model/progression.js';
import { repositoryRule } from './types.js';

/**
 * Whether a run ran the stage's current gates: the same gate ids, types and commands. A passing run
 * of gates that were since changed (a threshold lowered, a command swapped) does not prove the stage.
 */
function ranCurrentGates(report: RunReport, gates: readonly GateSpec[]): boolean {
  if (report.gates.length !== gates.length) return false;
  return gates.every((gate) => {
    const ran = report.gates.find((result) => result.id === gate.id);
    return ran !== undefined && ran.type === gateType(gate) && (ran.command ?? undefined) === (gate.run ?? undefined);
  });
}

export const doneNeedsPassingRun = repositoryRule(
  {
    id: 'done-needs-passing-run',
    description: 'A stage marked done needs a finished, passing gate run of its current gates in gate_results/.',
    defaultSeverity: 'error',
    kinds: ['stage'],
  },
  (repo, context) => {
    const runs = repo.evidence?.runs;
    if (!runs) return;
    for (const { doc, data } of repo.stages) {
      if (data.status !== 'done') continue;
      // The runs grouped by stage once: a scan of every run per stage was quadratic (36,000 done stages
      // and 20,000 runs took 6 s).
      const reports = runsOfStage(runs, data.id);
      const gates = data.gates ?? [];
      if (reports.some((report) => isFullPassingRun(report) && ranCurrentGates(report, gates))) continue;
      const passedOlderGates = reports.some(isFullPassingRun);
      context.report({
        file: doc.file,
        ...placeOf(doc, '/status'),
        message: passedOlderGates
          ? `Stage \`${data.id}\` is \`done\`, but its passing runs ran other gates than the current ones, expected a passing run of its current gates`
          : `Stage \`${data.id}\` is \`done\` without a passing gate run in ${repo.config.paths.gate_results}/, expected one`,
        hint: `Run \`stagedocs gate run ${data.id}\` until it passes (and commit the evidence), or set \`status\` back to \`validating\`.`,
      });
    }
  },
);

import { dependenciesOf, type RepositoryModel } from './repository.js';
import type { StageFrontmatter } from './documents.js';
import { type RunReport, type RunFolder } from './evidence.js';
import { StagedocsError, EXIT_FAILED } from './errors.js';

/** A run that proves a stage passed: finished, passing, and not limited to some gates with `--gate`. */
export function isFullPassingRun(report: RunReport): boolean {
  return report.overall_pass && (report.selected_gates === undefined || report.selected_gates.length === 0);
}

/** Dependencies of a stage without a full passing run. */
function dependenciesWithoutPass(model: RepositoryModel, stage: StageFrontmatter, runs: readonly RunFolder[]): string[] {
  return dependenciesOf(model, stage).filter(
    (dependency) => !runs.some((run) => run.report !== undefined && run.report.stage_id === dependency && isFullPassingRun(run.report)),
  );
}

/** Linear progression at run time: refuses (exit 1) a stage whose dependencies have not passed their gates. */
export function checkProgression(model: RepositoryModel, stage: StageFrontmatter, runs: readonly RunFolder[]): void {
  const pending = dependenciesWithoutPass(model, stage, runs);
  if (pending.length === 0) return;
  const names = pending.map((id) => `\`${id}\``).join(', ');
  throw new StagedocsError(
    `Stage \`${stage.id}\` depends on ${names}, which ${pending.length === 1 ? 'has' : 'have'} no passing gate run`,
    EXIT_FAILED,
    `Run \`stagedocs gate run ${pending[0]}\` until it passes first.`,
  );
}

import type { Config } from './config.js';
import type { GateSpec, StageFrontmatter } from './documents.js';
import { compareStrings } from './diagnostic.js';
import type { RunnerCheck } from './evidence.js';
import { UsageError } from './errors.js';
import { RUNNER_LABEL_PATTERN } from './schemas.js';

/**
 * Where a gate may run. A stage's `runs_on` applies to all its gates and a gate's adds to it; a
 * runner qualifies when it has every label (as a GitHub Actions job's `runs-on` list does). The
 * runner's labels come from `STAGEDOCS_RUNNER_LABELS` (comma-separated) or `runner.labels` in the
 * configuration, the environment first: a CI job knows which runner it got, the config is shared.
 */

export const RUNNER_LABELS_VARIABLE = 'STAGEDOCS_RUNNER_LABELS';

export interface RunnerLabels {
  labels: string[];
  /** Where they were read from. */
  source: typeof RUNNER_LABELS_VARIABLE | 'runner.labels' | 'none';
}

const LABEL = new RegExp(RUNNER_LABEL_PATTERN);

const sorted = (labels: Iterable<string>) => [...new Set(labels)].sort(compareStrings);

/** The runner's labels; a malformed label in the environment variable is a usage error (exit 2). */
export function runnerLabelsOf(env: Readonly<Record<string, string | undefined>>, config: Config): RunnerLabels {
  const variable = env[RUNNER_LABELS_VARIABLE];
  if (variable !== undefined && variable.trim() !== '') {
    const labels = variable.split(',').map((label) => label.trim()).filter((label) => label !== '');
    const bad = labels.find((label) => !LABEL.test(label) || label.length > 100);
    if (bad !== undefined) {
      throw new UsageError(
        `${RUNNER_LABELS_VARIABLE} holds the label \`${bad.slice(0, 100)}\`, expected labels of letters, digits, ".", "_" and "-" (at most 100 characters), separated by commas`,
        `For example \`${RUNNER_LABELS_VARIABLE}=self-hosted,linux,workstation\`.`,
      );
    }
    return { labels: sorted(labels), source: RUNNER_LABELS_VARIABLE };
  }
  const configured = config.runner?.labels ?? [];
  return configured.length > 0 ? { labels: sorted(configured), source: 'runner.labels' } : { labels: [], source: 'none' };
}

/** The labels running these gates of the stage needs: the stage's and every gate's, sorted. */
export function requiredLabels(stage: StageFrontmatter, gates: readonly GateSpec[] = stage.gates ?? []): string[] {
  return sorted([...(stage.runs_on ?? []), ...gates.flatMap((gate) => gate.runs_on ?? [])]);
}

/** The host check of a run: what it needs, what the runner has, what is missing (labels compare case-insensitively, as GitHub's do). */
export function checkRunner(required: readonly string[], runner: RunnerLabels): RunnerCheck {
  const have = new Set(runner.labels.map((label) => label.toLowerCase()));
  return { required: [...required], labels: [...runner.labels], missing: required.filter((label) => !have.has(label.toLowerCase())) };
}

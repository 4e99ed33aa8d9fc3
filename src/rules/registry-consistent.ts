import { repositoryRule } from './types.js';

export const registryConsistent = repositoryRule(
  {
    id: 'registry-consistent',
    description: 'gate_results/gate_registry.csv agrees with the report.json files: no missing, extra, duplicated or edited rows, every report_sha256 matches.',
    defaultSeverity: 'error',
  },
  (repo, context) => {
    const registry = repo.evidence?.registry;
    if (!registry) return;
    for (const problem of registry.problems) {
      context.report({
        file: problem.file,
        line: Math.max(1, problem.line),
        column: problem.column,
        message: problem.message,
        hint: 'If the report.json files are right, `stagedocs registry` rebuilds the registry from them; rows are never edited by hand.',
      });
    }
    for (const { runId, problem } of registry.unreadable) {
      context.report({
        file: `${repo.config.paths.gate_results}/${runId}/report.json`,
        line: 1,
        column: 1,
        message: problem,
        hint: 'A report is written once by `stagedocs gate run`; restore it from git (`git checkout -- <file>`).',
      });
    }
  },
);

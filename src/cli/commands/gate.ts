import type { Command } from 'commander';
import { gatePlan, githubMatrix, GITHUB_MATRIX_LIMIT, type GatePlan } from '../../api/gate-plan.js';
import { runGates } from '../../api/run-gates.js';
import { colorsFor } from '../../format/colors.js';
import { assertStageId } from '../../gates/stage-model.js';
import { EXIT_FAILED, EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot, warnAboutStrayCache } from '../context.js';
import type { CliIo } from '../io.js';
import { collect as collectList, examples, formatOption, nonNegativeInteger, positiveSeconds } from '../options.js';
import { gateProgress } from '../progress.js';

const FORMATS = ['pretty', 'json'] as const;
const PLAN_FORMATS = ['pretty', 'json', 'github-matrix'] as const;

interface GatePlanFlags {
  changedSince?: string;
  stages: string[];
  wave?: number;
  defaultRunner: string;
  format: (typeof PLAN_FORMATS)[number];
  cwd?: string;
}

interface GateRunFlags {
  gate: string[];
  decision?: string;
  timeout?: number;
  allowHost?: boolean;
  entry?: boolean;
  format: (typeof FORMATS)[number];
  cwd?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(command: Command, context: CommandContext): void {
  const gate = command
    .description('Gate commands: `gate run <stage-id>` runs a stage\'s gates and writes its evidence; `gate plan` lists the runs that are due, in waves, for CI runners.')
    .addHelpText('after', examples('stagedocs gate run P1-S03', 'stagedocs gate plan --format json', 'stagedocs gate run --help'));
  gate
    .command('run')
    .summary('run a stage\'s gates, write evidence to gate_results/ and append the registry')
    .description(
      'Runs the gates of a stage from the repository root, in order, each in its own process group with its timeout. ' +
        'Writes gate_results/<stage-id>_<UTC timestamp>/ (command.sh, environment.json, run.log, report.json, report.md) and appends one row to gate_results/gate_registry.csv. ' +
        'Refuses (exit 1, nothing written) when a dependency has no passing run, when the last run failed and no new --decision with a Root cause is given, ' +
        'or when a required freeze file is missing or a frozen input changed, or when the entry of the stage\'s phase is unmet (upstream phases signed off, entry files, entry checks). ' +
        'Refuses (exit 2, nothing written) gates whose runner labels (`runs_on`) this runner lacks: its labels are STAGEDOCS_RUNNER_LABELS (comma-separated) or runner.labels in the config; --allow-host runs them anyway as an unofficial run that never counts. ' +
        'Given a phase id, runs the phase\'s exit gates (`exit.gates`) the same way: the run folder is <phase-id>_<UTC timestamp>, the registry row carries the phase id, and a passing run of them is what a phase sign-off needs. With --entry, the phase\'s entry gates (`entry.gates`): the run folder is <phase-id>-entry_<UTC timestamp>, and until a run of them passes and counts the phase\'s entry is unmet.\n\nExit codes: 0 every blocking gate passed, 1 a blocking gate failed or timed out (or the run was refused), 2 usage error (or the runner lacks labels).',
    )
    .argument('<stage-id>', 'the stage whose gates to run (or a phase id: its exit gates)')
    .option('--gate <id>', 'run only this gate and the gates it needs (repeatable); such a run does not count as the stage passing', collect, [])
    .option('--decision <tag>', 'the decision note behind this attempt (required after a failed run)')
    .option('--timeout <seconds>', 'override every gate\'s timeout', positiveSeconds)
    .option('--allow-host', 'run gates on a runner without the labels they need (runs_on); the run is unofficial and never counts')
    .option('--entry', 'with a phase id: run its entry gates (entry.gates) instead of its exit gates')
    .addOption(formatOption(FORMATS, 'pretty'))
    .addHelpText(
      'after',
      examples(
        'stagedocs gate run P1-S03',
        'stagedocs gate run P1-S03 --gate coverage --timeout 300',
        'stagedocs gate run P1-S03 --decision D-2026-11-21-002',
        'STAGEDOCS_RUNNER_LABELS=workstation stagedocs gate run P1-S03',
        'stagedocs gate run P1-S03 --format json | jq .overall_pass',
        'stagedocs gate run P1',
        'stagedocs gate run P2 --entry',
      ),
    )
    .action(async (stageId: string, flags: GateRunFlags, command: Command) => {
      context.setExitCode(await gateRunAction(stageId, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
  gate
    .command('plan')
    .summary('the gate runs that are due, in waves, as JSON or a GitHub Actions matrix')
    .description(
      'Lists the stages whose gates are due: they have gates, are not signed off, and have no passing run that counts, or (with --changed-since) their document, freeze file or frozen inputs changed since the ref. ' +
        'A due stage is planned when each of its dependencies passed or is planned in an earlier wave; otherwise it is listed as held, with the reason (a failed last run needs a decision note first). ' +
        'Each entry carries the runner labels its gates need (runs_on). The same repository state gives the same bytes.\n\n' +
        `--format github-matrix prints what GitHub Actions' strategy.matrix takes (fromJSON): {"include":[{"stage","wave","runs-on","labels"}]}, at most ${GITHUB_MATRIX_LIMIT} entries (GitHub's limit); entries beyond it are left for the next plan, and stderr says how many.\n\n` +
        'Exit codes: 0 the plan was printed, 2 usage error (a ref that is not a ref, an unknown stage).',
    )
    .option('--changed-since <ref>', 'also plan stages whose document, freeze file or frozen inputs changed since this ref (git diff <ref>...HEAD)')
    .option('--stages <ids>', 'plan only these stages (comma-separated, repeatable)', collectList, [])
    .option('--wave <n>', 'github-matrix: only the entries of this wave', nonNegativeInteger)
    .option('--default-runner <label>', 'github-matrix: runs-on of the stages that need no labels', 'ubuntu-latest')
    .addOption(formatOption(PLAN_FORMATS, 'pretty'))
    .addHelpText(
      'after',
      examples(
        'stagedocs gate plan',
        'stagedocs gate plan --changed-since origin/main --format json',
        'stagedocs gate plan --stages P1-S03,P1-S04 --format json',
        'stagedocs gate plan --format github-matrix --wave 0',
      ),
    )
    .action(async (flags: GatePlanFlags, command: Command) => {
      context.setExitCode(await gatePlanAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function gatePlanAction(flags: GatePlanFlags, io: CliIo): Promise<number> {
  const root = await commandRoot(io, flags.cwd, 'required');
  const stages = flags.stages.flatMap((value) => value.split(',')).map((id) => id.trim()).filter((id) => id !== '');
  const plan = await gatePlan({ root, env: io.env, changedSince: flags.changedSince, stages: stages.length > 0 ? stages : undefined });
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  } else if (flags.format === 'github-matrix') {
    const { matrix, leftOut } = githubMatrix(plan, { wave: flags.wave, defaultRunner: flags.defaultRunner });
    io.stdout.write(`${JSON.stringify(matrix)}\n`);
    if (leftOut > 0) {
      io.stderr.write(`${leftOut} more due run(s) left out: a GitHub Actions matrix holds at most ${GITHUB_MATRIX_LIMIT} jobs. They stay due; the next plan (after this one's evidence is committed) lists them.\n`);
    }
  } else {
    io.stdout.write(prettyPlan(plan));
  }
  return EXIT_OK;
}

function prettyPlan(plan: GatePlan): string {
  const lines: string[] = [];
  for (let wave = 0; wave < plan.waves; wave++) {
    lines.push(`Wave ${wave}:`);
    for (const entry of plan.entries.filter((candidate) => candidate.wave === wave)) {
      const labels = entry.runs_on.length > 0 ? `, runs on ${entry.runs_on.join(', ')}` : '';
      const after = entry.after.length > 0 ? `, after ${entry.after.join(', ')}` : '';
      lines.push(`  ${entry.stage}  ${entry.title} (${entry.reasons.join(', ')}${labels}${after})`);
    }
  }
  if (plan.entries.length === 0) lines.push('No gate run is due.');
  if (plan.held.length > 0) {
    lines.push('Held:');
    for (const held of plan.held) lines.push(`  ${held.stage}  ${held.reason}`);
  }
  return `${lines.join('\n')}\n`;
}

async function gateRunAction(stageId: string, flags: GateRunFlags, io: CliIo): Promise<number> {
  assertStageId(stageId);
  const root = await commandRoot(io, flags.cwd, 'required');
  await warnAboutStrayCache(io, root.root);
  const stream = flags.format === 'json' ? io.stderr : io.stdout;
  const colors = colorsFor(stream, io.env);
  const progress = gateProgress(stream, colors);
  const interrupt = new AbortController();
  const restoreSignals = io.onInterrupt?.(() => interrupt.abort());
  let outcome;
  try {
    outcome = await runGates({
      root,
      stage: stageId,
      ...(flags.entry ? { entry: true } : {}),
      env: io.env,
      gates: flags.gate,
      decision: flags.decision,
      timeout: flags.timeout,
      now: () => io.now(),
      nodeVersion: io.nodeVersion ?? 'unknown',
      progress,
      signal: interrupt.signal,
      allowHost: flags.allowHost === true,
    });
  } finally {
    progress.stop();
    restoreSignals?.();
  }
  const { report } = outcome;
  if (flags.format === 'json') {
    io.stdout.write(`${JSON.stringify({ ...report, run_dir: outcome.runDir }, null, 2)}\n`);
  } else {
    const verdict = report.interrupted ? colors.red('INTERRUPTED') : report.overall_pass ? colors.green('PASS') : colors.red('FAIL');
    const counts = `${report.blocking_failures} blocking failure${report.blocking_failures === 1 ? '' : 's'}, ${report.warnings} warning${report.warnings === 1 ? '' : 's'}`;
    io.stdout.write(`${verdict} ${report.stage_id}: ${counts}\nEvidence: ${outcome.runDir}/ (report.md, run.log)\n`);
    if (report.unofficial === true) {
      io.stdout.write(
        `${colors.yellow('UNOFFICIAL')}: run with --allow-host on a runner without ${report.runner?.missing.map((label) => `\`${label}\``).join(', ')}; it is kept as evidence but never counts for progression or sign-off.\n`,
      );
    }
    if (outcome.logDropped > 0) io.stdout.write(`run.log was capped at ${outcome.logLimitBytes} bytes; ${outcome.logDropped} bytes of output were dropped.\n`);
    for (const gate of report.gates) {
      const tail = gate.outcome === 'pass' ? undefined : (gate.details?.output_tail as string[] | undefined);
      if (tail?.length) io.stdout.write(`\n${colors.bold(`Last output of ${gate.id}`)} (${gate.summary}):\n${tail.map((line) => `  ${line}`).join('\n')}\n`);
    }
    if (report.interrupted) {
      io.stdout.write(`${colors.dim('hint:')} the run was interrupted and recorded as such: it does not pass, and like a failed run, a rerun needs \`--decision <tag>\` naming a decision note with a Root cause section.\n`);
    } else if (!report.overall_pass) {
      io.stdout.write(`${colors.dim('hint:')} the failed run is kept; a rerun needs \`--decision <tag>\` naming a new decision note with a Root cause section.\n`);
    }
  }
  return report.overall_pass ? EXIT_OK : EXIT_FAILED;
}

import type { Command } from 'commander';
import { runGates } from '../../api/run-gates.js';
import { colorsFor } from '../../format/colors.js';
import { assertStageId } from '../../gates/stage-model.js';
import { EXIT_FAILED, EXIT_OK } from '../../model/errors.js';
import type { CommandContext } from '../command.js';
import { commandRoot, warnAboutStrayCache } from '../context.js';
import type { CliIo } from '../io.js';
import { examples, formatOption, positiveSeconds } from '../options.js';
import { gateProgress } from '../progress.js';

const FORMATS = ['pretty', 'json'] as const;

interface GateRunFlags {
  gate: string[];
  decision?: string;
  timeout?: number;
  format: (typeof FORMATS)[number];
  cwd?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function register(command: Command, context: CommandContext): void {
  const gate = command
    .description('Gate commands: `gate run <stage-id>` runs a stage\'s gates and writes its evidence.')
    .addHelpText('after', examples('stagedocs gate run P1-S03', 'stagedocs gate run --help'));
  gate
    .command('run')
    .summary('run a stage\'s gates, write evidence to gate_results/ and append the registry')
    .description(
      'Runs the gates of a stage from the repository root, in order, each in its own process group with its timeout. ' +
        'Writes gate_results/<stage-id>_<UTC timestamp>/ (command.sh, environment.json, run.log, report.json, report.md) and appends one row to gate_results/gate_registry.csv. ' +
        'Refuses (exit 1, nothing written) when a dependency has no passing run, when the last run failed and no new --decision with a Root cause is given, ' +
        'or when a required freeze file is missing or a frozen input changed, or when the entry of the stage\'s phase is unmet (upstream phases signed off, entry files, entry checks). ' +
        'Given a phase id, runs the phase\'s exit gates (`exit.gates`) the same way: the run folder is <phase-id>_<UTC timestamp>, the registry row carries the phase id, and a passing run of them is what a phase sign-off needs.\n\nExit codes: 0 every blocking gate passed, 1 a blocking gate failed or timed out (or the run was refused), 2 usage error.',
    )
    .argument('<stage-id>', 'the stage whose gates to run (or a phase id: its exit gates)')
    .option('--gate <id>', 'run only this gate (repeatable); such a run does not count as the stage passing', collect, [])
    .option('--decision <tag>', 'the decision note behind this attempt (required after a failed run)')
    .option('--timeout <seconds>', 'override every gate\'s timeout', positiveSeconds)
    .addOption(formatOption(FORMATS, 'pretty'))
    .addHelpText(
      'after',
      examples(
        'stagedocs gate run P1-S03',
        'stagedocs gate run P1-S03 --gate coverage --timeout 300',
        'stagedocs gate run P1-S03 --decision D-2026-11-21-002',
        'stagedocs gate run P1-S03 --format json | jq .overall_pass',
        'stagedocs gate run P1',
      ),
    )
    .action(async (stageId: string, flags: GateRunFlags, command: Command) => {
      context.setExitCode(await gateRunAction(stageId, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
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
      env: io.env,
      gates: flags.gate,
      decision: flags.decision,
      timeout: flags.timeout,
      now: () => io.now(),
      nodeVersion: io.nodeVersion ?? 'unknown',
      progress,
      signal: interrupt.signal,
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

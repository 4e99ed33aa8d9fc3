import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption, positiveSeconds } from '../options.js';

const FORMATS = ['pretty', 'json'] as const;

export interface GateRunFlags {
  gate: string[];
  decision?: string;
  timeout?: number;
  format: (typeof FORMATS)[number];
  cwd?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerGate(program: Command, context: CommandContext): void {
  const gate = program
    .command('gate')
    .summary('run a stage\'s gates and record the evidence')
    .description('Gate commands: `gate run <stage-id>` runs a stage\'s gates and writes its evidence.')
    .addHelpText('after', examples('stagedocs gate run P1-S03', 'stagedocs gate run --help'));
  gate
    .command('run')
    .summary('run a stage\'s gates, write evidence to gate_results/ and append the registry')
    .description(
      'Runs the gates of a stage from the repository root, in order, each in its own process group with its timeout. ' +
        'Writes gate_results/<stage-id>_<UTC timestamp>/ (command.sh, environment.json, run.log, report.json, report.md) and appends one row to gate_results/gate_registry.csv. ' +
        'Refuses (exit 1, nothing written) when a dependency has no passing run, when the last run failed and no new --decision with a Root cause is given, ' +
        'or when a required freeze file is missing or a frozen input changed.\n\nExit codes: 0 every blocking gate passed, 1 a blocking gate failed or timed out (or the run was refused), 2 usage error.',
    )
    .argument('<stage-id>', 'the stage whose gates to run')
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
      ),
    )
    .action(async (stageId: string, flags: GateRunFlags, command: Command) => {
      const { gateRunAction } = await import('../actions/gate-run.js');
      context.setExitCode(await gateRunAction(stageId, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

import type { Command } from 'commander';
import type { CommandContext } from '../main.js';
import { examples, formatOption } from '../options.js';

const FORMATS = ['pretty', 'json'] as const;

export interface RegistryFlags {
  check: boolean;
  format: (typeof FORMATS)[number];
  cwd?: string;
}

export function registerRegistry(program: Command, context: CommandContext): void {
  program
    .command('registry')
    .summary('rebuild gate_results/gate_registry.csv from the reports, or --check it')
    .description(
      'Without --check: rewrites the registry from every report.json, byte for byte, rows ordered by started_at then run id. ' +
        'With --check: compares the registry with the reports and names every missing, extra, duplicated or edited row and every report_sha256 that does not match (exit 1); ' +
        'runs without report.json are reported as unfinished, and rows in another order (concurrent runs, a merge=union merge) as out of order; neither is corruption (exit 0).',
    )
    .option('--check', 'verify instead of rebuilding', false)
    .addOption(formatOption(FORMATS, 'pretty'))
    .addHelpText('after', examples('stagedocs registry --check', 'stagedocs registry', 'stagedocs registry --check --format json'))
    .action(async (flags: RegistryFlags, command: Command) => {
      const { registryAction } = await import('../actions/registry.js');
      context.setExitCode(await registryAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

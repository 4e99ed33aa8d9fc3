import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../engine/config.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { assertValidId } from '../../model/ids.js';
import { nextPhaseId, readExisting, takenIds } from '../../scaffold/existing.js';
import type { NewFile } from '../../scaffold/files.js';
import { assertPhaseSlug, assertTitle } from '../../scaffold/names.js';
import { availablePatterns, loadPattern, substituteTokens } from '../../scaffold/patterns.js';
import { renderPhase, renderStage, stageFileName } from '../../scaffold/render.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { examples } from '../options.js';
import { shellQuote } from '../../util/shell-quote.js';
import { required } from '../prompt.js';
import { assertAbsent, resolveOwner, scaffoldLocked, writePlan } from '../scaffold-output.js';

interface NewPhaseFlags {
  pattern?: string;
  id?: string;
  title?: string;
  owner?: string;
  dryRun?: boolean;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Writes stages/<slug>/phase.md and one NN-<stage>.md per stage of the pattern, with ids <phase>-S00, <phase>-S01, ..., each depending on the previous one. ' +
        'The phase gets the next free id (P1, P2, ...) unless --id is given. Patterns: mvp-backend, ui-hardening, integrations, research, empty, and your own in templates/patterns/.',
    )
    .argument('<slug>', 'folder name of the phase under stages/ (lowercase letters, digits, -)')
    .option('--pattern <name>', 'stage pattern to scaffold (asked for on a terminal when missing)')
    .option('--id <id>', 'phase id, e.g. P7 (default: the next free P<n>)')
    .option('--title <title>', "phase title (default: the pattern's)")
    .option('--owner <email>', 'owner of the phase and its stages (default: git config user.email)')
    .option('--dry-run', 'print what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'stagedocs new-phase mvp --pattern mvp-backend',
        'stagedocs new-phase checkout-ui --pattern ui-hardening --title "Checkout UI" --id P7',
        'stagedocs new-phase ranking --pattern research --owner ana@example.com --dry-run',
      ),
    )
    .action(async (slug: string, flags: NewPhaseFlags, command: Command) => {
      context.setExitCode(await newPhaseAction(slug, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function newPhaseAction(slug: string, flags: NewPhaseFlags, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'optional');
  const { config } = await loadConfig(root);
  assertPhaseSlug(slug);
  const patterns = await availablePatterns(root, config.paths.templates);
  const patternName = await required(io, flags.pattern, '--pattern <name>', `Pattern (${patterns.join(', ')}):`, `stagedocs new-phase ${slug} --pattern mvp-backend`, `Patterns: ${patterns.join(', ')}.`);
  const pattern = await loadPattern(root, config.paths.templates, patternName);
  // The next phase id is chosen and its files written under the scaffolding lock.
  return scaffoldLocked(io, root, async () => {

    const existing = await readExisting(root, config);
    const folder = path.posix.join(config.paths.stages, slug);
    assertAbsent((relative) => existsSync(path.join(root, relative)), folder, `Choose another slug, or add stages to that phase with \`stagedocs new-stage "<title>" --phase <id>\`.`);

    const id = flags.id ?? nextPhaseId(existing);
    assertValidId(id, 'phase id', { example: 'P7', headline: () => `Invalid phase id \`${id}\`` });
    const taken = takenIds(existing);
    const stageIds = pattern.stages.map((_, order) => `${id}-S${String(order).padStart(2, '0')}`);
    for (const wanted of [id, ...stageIds]) {
      if (taken.has(wanted)) {
        const holder = [...existing.phases, ...existing.stages].find((doc) => doc.id === wanted);
        throw new UsageError(`Id \`${wanted}\` is already used by ${holder?.file ?? 'another document'}`, `Pass another --id (the next free one is \`${nextPhaseId(existing)}\`).`);
      }
    }
    const title = assertTitle(flags.title ?? pattern.phase.title);
    const owner = await resolveOwner(io, root, flags.owner);

    const files: NewFile[] = [
      {
        path: path.posix.join(folder, 'phase.md'),
        content: renderPhase(root, config, { id, title, owner, pattern: pattern.name, goal: pattern.phase.goal, exit: pattern.phase.exit, readiness: pattern.phase.readiness, contracts: pattern.phase.contracts }),
      },
    ];
    pattern.stages.forEach((stage, order) => {
      const stageId = stageIds[order]!;
      const content = substituteTokens(stage, { stage: stageId, phase: id, slug, freeze: config.paths.freeze.replace(/\\/g, '/').replace(/\/+$/, '') });
      files.push({
        path: stageFileName(folder, order, stage.slug),
        content: renderStage(root, config, {
          id: stageId,
          title: content.title,
          phase: id,
          order,
          owner,
          estimate: content.estimate,
          dependsOn: order === 0 ? [] : [stageIds[order - 1]!],
          content,
        }),
      });
    });

    const first = stageIds[0];
    const next = !first
      ? [`stagedocs new-stage "<title>" --phase ${id} --gate "<command>"`]
      : [
          'stagedocs validate',
          // A stage that needs a freeze file gets its decision note and freeze before its first run.
          ...(pattern.stages[0]!.freeze === 'required' ? [`stagedocs new-decision "Scope of ${first}" --stage ${first}`, freezeHint(first, pattern.stages[0]!.freeze_inputs)] : []),
          `stagedocs gate run ${first}`,
        ];
    if (!flags.dryRun) io.stdout.write(`Phase ${id} "${title}" from pattern ${pattern.name} (${pattern.source}), ${stageIds.length} stages: ${pattern.description}\n`);
    await writePlan(io, root, files, flags.dryRun, next);
    return EXIT_OK;
  });
}

/** The freeze command to suggest: `freeze` needs at least one `--input`, so the pattern's globs, else a placeholder. */
function freezeHint(stageId: string, inputs: readonly string[] | undefined): string {
  return `stagedocs freeze ${stageId} ${(inputs ?? ['<glob>']).map((glob) => `--input ${shellQuote(glob)}`).join(' ')}`;
}

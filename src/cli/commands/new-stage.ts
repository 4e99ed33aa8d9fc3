import { InvalidArgumentError, type Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../engine/config.js';
import type { Config } from '../../model/config.js';
import type { GateSpec } from '../../model/documents.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { assertValidId, isValidId } from '../../model/ids.js';
import { nextStagePosition, readExisting, takenIds } from '../../scaffold/existing.js';
import { assertTitle, slugify } from '../../scaffold/names.js';
import { EMPTY_STAGE_CONTENT, renderStage, stageFileName } from '../../scaffold/render.js';
import { shellQuote } from '../../util/shell-quote.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, examples } from '../options.js';
import { required } from '../prompt.js';
import { readFile } from 'node:fs/promises';
import { assertAbsent, printNext, resolveOwner, scaffoldLocked, writePlan } from '../scaffold-output.js';
import { planSubStage, withDependsOn } from '../../scaffold/sub-stage.js';
import { writeAtomic } from '../../util/write-atomic.js';

interface NewStageFlags {
  phase?: string;
  after?: string;
  owner?: string;
  gate: string[];
  contract: string[];
  estimate?: number;
  dryRun?: boolean;
  cwd?: string;
}

function hours(value: string): number {
  const number = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || !(number > 0)) throw new InvalidArgumentError(`expected a number of hours > 0, got \`${value}\``);
  return number;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Writes the next stage of a phase (next order, depending on its last stage) as NN-<slug>.md next to its phase.md. ' +
        'With --after <stage-id>, writes a sub-stage instead: <stage-id>a (then b, ...) as NNa-<slug>.md, with the parent\'s order and `depends_on` the last of its chain; ' +
        'the stages that depended on that one get `depends_on` the new sub-stage (one line changed), so the next stage waits for it. ' +
        'Every value can be given by flags; on a terminal, missing ones are asked for.',
    )
    .argument('[title]', 'title of the stage (any text; the file name is derived from it)')
    .option('--phase <id>', 'id of the phase, e.g. P1')
    .option('--after <stage-id>', 'write a sub-stage of this stage (P1-S04 -> P1-S04a, P1-S04b, ...), which the stage after it waits for')
    .option('--gate <command>', 'a gate command that must exit 0 (repeatable)', collect, [])
    .option('--contract <id>', 'an outcome contract the stage is held to (repeatable; contracts/<id>.yaml or built-in: implementation, deployment, testing); with one, --gate is optional', collect, [])
    .option('--owner <email>', 'owner of the stage (default: git config user.email)')
    .option('--estimate <hours>', 'estimate in hours (a stage should fit in 1-4)', hours)
    .option('--dry-run', 'print what would be written, write nothing')
    .addHelpText(
      'after',
      examples(
        'stagedocs new-stage "Primary resource API" --phase P1 --gate "npm test"',
        'stagedocs new-stage "Export: CSV & JSON" --phase P2 --gate "npm run build" --gate "./scripts/check-export.sh" --estimate 3',
        'stagedocs new-stage "Rate limits" --phase P1 --gate "npm test" --dry-run',
        'stagedocs new-stage "Webhook retries" --after P1-S04 --gate "npm test"',
        'stagedocs new-stage "Checkout flow" --phase P1 --contract implementation --contract testing',
      ),
    )
    .action(async (title: string | undefined, flags: NewStageFlags, command: Command) => {
      context.setExitCode(await newStageAction(title, { ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

async function newStageAction(titleArgument: string | undefined, flags: NewStageFlags, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'optional');
  const { config } = await loadConfig(root);
  return scaffoldLocked(io, root, () => planAndWriteStage(titleArgument, flags, io, root, config));
}

/** Under the scaffolding lock: what exists is read after any concurrent command wrote its stage. */
async function planAndWriteStage(titleArgument: string | undefined, flags: NewStageFlags, io: CliIo, root: string, config: Config): Promise<number> {
  const existing = await readExisting(root, config);

  const title = assertTitle(await required(io, titleArgument, 'the stage title (first argument)', 'Stage title:', 'stagedocs new-stage "Primary resource API" --phase P1 --gate "npm test"'));
  const known = existing.phases.map((p) => p.id);
  // Single quotes: a suggested command must be safe to paste even when the title holds `$` or backticks.
  const example = (phase: string) => `stagedocs new-stage ${shellQuote(title)} --phase ${phase} --gate "npm test"`;
  if (flags.after !== undefined) assertValidId(flags.after, 'stage id', { example: 'P1-S04', headline: (shown) => `--after \`${shown}\` is not a valid stage id` });
  const subStage = flags.after !== undefined ? planSubStage(existing, flags.after) : undefined;
  if (subStage && flags.phase !== undefined && flags.phase !== subStage.phase) {
    throw new UsageError(`--after ${flags.after} is a stage of ${subStage.phase}, not of --phase ${flags.phase}`, 'Leave out --phase: a sub-stage belongs to the phase of its parent.');
  }
  const phaseId = subStage?.phase ?? await required(io, flags.phase, '--phase <id>', `Phase id (${known.join(', ') || 'none yet'}):`, example(known[0] ?? 'P1'));
  assertValidId(phaseId, 'phase id', { example: 'P1', headline: () => `Invalid phase id \`${phaseId}\`` });
  const phase = existing.phases.find((candidate) => candidate.id === phaseId);
  if (!phase) {
    throw new UsageError(
      `Phase \`${phaseId}\` does not exist`,
      known.length > 0 ? `Existing phases: ${known.join(', ')}.` : 'Create one first: `stagedocs new-phase <slug> --pattern empty`.',
    );
  }
  for (const contract of flags.contract) assertValidId(contract, 'contract id', { example: 'implementation', headline: () => `Invalid contract id \`${contract}\`` });
  // A stage held to a contract has the contract's requirements as gates; it needs none of its own.
  const commands =
    flags.gate.length > 0 || flags.contract.length > 0 ? flags.gate : [await required(io, undefined, '--gate <command>', 'Gate command (must exit 0 when the stage is done):', example(phaseId))];
  const gates: GateSpec[] = commands.map((command, index) => ({
    id: commands.length === 1 ? 'check' : `check-${index + 1}`,
    run: assertTitle(command, 'gate command'),
  }));

  const next = nextStagePosition(existing, phaseId);
  const { order, dependsOn } = subStage ?? next;
  const slug = slugify(title);
  const duplicate = next.siblings.find((stage) => path.posix.basename(stage.file).replace(/^\d+[a-z]?-/, '') === `${slug}.md`);
  if (duplicate) {
    throw new UsageError(`Phase ${phaseId} already has a stage named like "${title}": ${duplicate.file}`, 'Give the new stage another title, or edit the existing one.');
  }
  const id = subStage?.id ?? `${phaseId}-S${String(order).padStart(2, '0')}`;
  if (!isValidId(id) || takenIds(existing).has(id)) {
    throw new UsageError(`Id \`${id}\` for the next stage of ${phaseId} is invalid or already used`, 'Renumber or rename the stage that holds it, then try again.');
  }
  const file = subStage ? path.posix.join(subStage.folder, `${subStage.position}-${slug}.md`) : stageFileName(path.posix.dirname(phase.file), order, slug);
  assertAbsent((relative) => existsSync(path.join(root, relative)), file, 'Give the stage another title.');
  const owner = await resolveOwner(io, root, flags.owner);

  const content = renderStage(root, config, {
    id,
    title,
    phase: phaseId,
    order,
    owner,
    estimate: flags.estimate ?? null,
    dependsOn,
    content: { ...EMPTY_STAGE_CONTENT, gates, ...(flags.contract.length > 0 ? { contracts: [...new Set(flags.contract)] } : {}) },
  });
  // Read (and checked) before anything is written: a refusal leaves the repository as it was.
  const rewired = await Promise.all(
    (subStage?.rewire ?? []).map(async ({ stage, dependsOn: wanted }) => ({ path: stage.file, dependsOn: wanted, content: withDependsOn(stage.file, await readFile(path.join(root, stage.file), 'utf8'), wanted) })),
  );
  const nextSteps = [`edit ${file} (Objectives, Deliverables, Rollback Plan)`, 'stagedocs validate', `stagedocs gate run ${id}`];
  if (flags.dryRun) {
    for (const edit of rewired) io.stdout.write(`would set depends_on: [${edit.dependsOn.join(', ')}] in ${edit.path}\n`);
    await writePlan(io, root, [{ path: file, content }], true, nextSteps);
    return EXIT_OK;
  }
  await writePlan(io, root, [{ path: file, content }], false, []);
  for (const edit of rewired) {
    await writeAtomic(path.join(root, edit.path), edit.content);
    io.stdout.write(`set depends_on: [${edit.dependsOn.join(', ')}] in ${edit.path}\n`);
  }
  printNext(io, nextSteps);
  return EXIT_OK;
}

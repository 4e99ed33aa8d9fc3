import { contentSha256 } from '../util/content-hash.js';
import { stableStringify } from '../util/stable-json.js';
import { gateType, type ContractFile, type GateSpec, type PhaseFrontmatter, type StageFrontmatter } from './documents.js';
import type { RunReport } from './evidence.js';
import { phaseById, type KnownContract, type RepositoryModel, type Typed } from './repository.js';

export type { KnownContract } from './repository.js';

/**
 * Outcome contracts: requirements written once (`contracts/<id>.yaml`, or shipped with stagedocs)
 * that stages and phases name in `contracts:`. What a stage must pass is its *effective gates*,
 * computed here and nowhere else, so that gate run, gate plan, the assessment, status, the audit
 * pack, context and trace all judge the same list.
 */

/** One effective gate and the contract it comes from (undefined: the stage's own gate). */
export interface EffectiveGate {
  gate: GateSpec;
  contract: string | undefined;
  /** The gate stands for a contract that is unknown or fails its schema (`unknownContractGate`). */
  unknownContract?: true;
}

/**
 * The contracts a repository knows, by id: the built-in ones, then the repository's files, so that a
 * file of the same id as a built-in replaces it. Only schema-valid files are in the model; a file
 * whose `contract_id` differs from its name is not a contract of that name (contract-reference says so).
 */
export function knownContracts(model: Pick<RepositoryModel, 'contracts' | 'builtinContracts'>): ReadonlyMap<string, KnownContract> {
  let known = contractIndexes.get(model.contracts);
  if (known && known.builtins === model.builtinContracts) return known.byId;
  const byId = new Map<string, KnownContract>();
  for (const builtin of model.builtinContracts ?? []) byId.set(builtin.data.contract_id, builtin);
  for (const contract of model.contracts) {
    if (contract.data.contract_id !== contractIdOfFile(contract.doc.file)) continue;
    // The first file of an id wins (two files cannot have the same name in one folder; nested folders can).
    if (byId.get(contract.data.contract_id)?.builtin === false) continue;
    byId.set(contract.data.contract_id, { data: contract.data, file: contract.doc.file, builtin: false });
  }
  known = { builtins: model.builtinContracts, byId };
  contractIndexes.set(model.contracts, known);
  return byId;
}

const contractIndexes = new WeakMap<ReadonlyArray<Typed<ContractFile>>, { builtins: readonly KnownContract[] | undefined; byId: Map<string, KnownContract> }>();

/** The contract id a file name gives: `contracts/implementation_v1.yaml` -> `implementation_v1`. */
export function contractIdOfFile(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  return name.replace(/\.yaml$/, '');
}

/**
 * The gates a stage must pass, with their origin: the requirements of its phase's contracts, then of
 * its own contracts, then its own `gates`. A later gate with the id of an earlier one replaces it in
 * place (a stage gate overrides a contract requirement; a stage's contract overrides its phase's), so
 * the order of the contract stays what `needs` and the report show. An unknown contract id (no file,
 * no built-in, or a file that fails its schema) stands for a gate no run has: until the contract is
 * fixed, no run counts for the stage, as its validation and `gate run` refuse it; without it, the
 * stage would be judged by fewer gates than it is held to, and an old run would count again.
 */
export function effectiveGatesWithOrigin(stage: StageFrontmatter, phase: PhaseFrontmatter | undefined, contracts: ReadonlyMap<string, KnownContract>): EffectiveGate[] {
  const gates: EffectiveGate[] = [];
  const add = (entry: EffectiveGate) => {
    const at = gates.findIndex((known) => known.gate.id === entry.gate.id);
    if (at >= 0) gates[at] = entry;
    else gates.push(entry);
  };
  for (const id of contractIdsOf(stage, phase)) {
    const contract = contracts.get(id);
    if (contract) for (const requirement of contract.data.requirements) add({ gate: requirement, contract: id });
    else add({ gate: unknownContractGate(id), contract: id, unknownContract: true });
  }
  for (const gate of stage.gates ?? []) add({ gate, contract: undefined });
  return gates;
}

/** The gate an unknown contract stands for: blocking, and never run (`gate run` refuses the stage first). */
function unknownContractGate(id: string): GateSpec {
  return { id: `unknown-contract-${id}`, run: 'false', severity: 'blocking', description: `contract ${id} is unknown or fails its schema: no run counts until it is fixed` };
}

/** The gates a stage must pass: its phase's contracts' requirements, its own contracts', then its own gates (see `effectiveGatesWithOrigin`). */
export function effectiveGates(stage: StageFrontmatter, phase: PhaseFrontmatter | undefined, contracts: ReadonlyMap<string, KnownContract>): GateSpec[] {
  return effectiveGatesWithOrigin(stage, phase, contracts).map((entry) => entry.gate);
}

/** The contract ids a stage is held to, its phase's first, each once. */
export function contractIdsOf(stage: StageFrontmatter, phase: PhaseFrontmatter | undefined): string[] {
  return [...new Set([...(phase?.contracts ?? []), ...(stage.contracts ?? [])])];
}

/** The contract ids a stage (or its phase) names that no file and no built-in defines. */
export function unknownContracts(stage: StageFrontmatter, phase: PhaseFrontmatter | undefined, contracts: ReadonlyMap<string, KnownContract>): string[] {
  return contractIdsOf(stage, phase).filter((id) => !contracts.has(id));
}

/**
 * The phase whose contracts a stage takes. A phase's own exit gates are judged as a pseudo-stage whose
 * id is the phase's (phaseGateSubject): the phase's contracts are for its stages, not for its exit.
 */
export function phaseOfStage(model: Pick<RepositoryModel, 'phases'>, stage: StageFrontmatter): PhaseFrontmatter | undefined {
  if (stage.id === stage.phase) return undefined;
  return phaseById(model, stage.phase)?.data;
}

/** The gates a stage of the model must pass: `effectiveGates` with its phase and the repository's contracts. */
export function stageGates(model: Pick<RepositoryModel, 'phases' | 'contracts' | 'builtinContracts'>, stage: StageFrontmatter): GateSpec[] {
  return effectiveGates(stage, phaseOfStage(model, stage), knownContracts(model));
}

/** `stageGates` with the contract each gate comes from. */
export function stageGatesWithOrigin(model: Pick<RepositoryModel, 'phases' | 'contracts' | 'builtinContracts'>, stage: StageFrontmatter): EffectiveGate[] {
  return effectiveGatesWithOrigin(stage, phaseOfStage(model, stage), knownContracts(model));
}

/**
 * The sha256 of what a gate checks: its definition as canonical JSON (sorted keys), with the type and
 * severity it defaults to written out, and without `description` and `x-` keys, which change nothing
 * a run measures. A run records it per gate (`definition_sha256`), so that a changed threshold, glob
 * or request makes an earlier run not count, as a changed command always did.
 */
export function gateDefinitionSha256(gate: GateSpec): string {
  const checked = Object.fromEntries(Object.entries(gate).filter(([key]) => key !== 'description' && !key.startsWith('x-')));
  const canonical = stableStringify({ ...checked, type: gateType(gate), severity: gate.severity ?? 'blocking' });
  return contentSha256(Buffer.from(canonical, 'utf8'));
}

/**
 * The contract requirements a run did not run as they are defined now (added, or changed since), as
 * `contract \`id\` requirement \`req\`` phrases, for the message of a run that no longer counts.
 * Gates the run left out, or that it ran without a digest, are compared by what the report has.
 */
export function changedContractRequirements(report: Pick<RunReport, 'gates'>, gates: readonly EffectiveGate[]): string[] {
  return gates
    .filter(({ gate, contract }) => {
      if (contract === undefined) return false;
      const ran = report.gates.find((result) => result.id === gate.id);
      return ran === undefined || (ran.definition_sha256 !== undefined && ran.definition_sha256 !== gateDefinitionSha256(gate));
    })
    .map(({ gate, contract, unknownContract }) => (unknownContract ? `contract \`${contract}\` (unknown, or it fails its schema)` : `contract \`${contract}\` requirement \`${gate.id}\``));
}

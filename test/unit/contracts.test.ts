import { describe, expect, it } from 'vitest';
import { changedContractRequirements, effectiveGates, effectiveGatesWithOrigin, gateDefinitionSha256, type KnownContract } from '../../src/model/contracts.js';
import type { ContractFile, GateSpec, PhaseFrontmatter, StageFrontmatter } from '../../src/model/documents.js';
import type { GateResult, RunReport } from '../../src/model/evidence.js';
import { ranCurrentGates } from '../../src/model/progression.js';

const contract = (contract_id: string, requirements: GateSpec[]): [string, KnownContract] => [contract_id, { data: { contract_id, title: contract_id, requirements } satisfies ContractFile, file: `contracts/${contract_id}.yaml`, builtin: false }];
const stage = (extra: Partial<StageFrontmatter>): StageFrontmatter => ({ id: 'P1-S00', kind: 'stage', title: 'S', phase: 'P1', order: 0, status: 'in-progress', ...extra });
const phase = (extra: Partial<PhaseFrontmatter>): PhaseFrontmatter => ({ id: 'P1', kind: 'phase', title: 'P', status: 'in-progress', ...extra });
const result = (gate: GateSpec, digest: string | undefined): GateResult => ({
  id: gate.id,
  type: gate.type ?? 'run',
  severity: gate.severity ?? 'blocking',
  outcome: 'pass',
  ...(gate.run !== undefined ? { command: gate.run } : {}),
  started_at: '',
  finished_at: '',
  duration_ms: 0,
  summary: '',
  ...(digest !== undefined ? { definition_sha256: digest } : {}),
});
const reportOf = (gates: GateResult[]) => ({ gates }) as unknown as RunReport;

describe('effective gates', () => {
  const contracts = new Map([
    contract('base', [{ id: 'build', type: 'build', tool: 'npm' }, { id: 'stubs', type: 'no-stubs', include: ['src/**'], max_rate: 0.05 }]),
    contract('strict', [{ id: 'stubs', type: 'no-stubs', include: ['src/**'], max_rate: 0 }, { id: 'tests', run: 'npm test' }]),
  ]);

  it('are the phase contracts, then the stage contracts, then the stage gates; a later one with the same id replaces an earlier one in place', () => {
    const gates = effectiveGatesWithOrigin(stage({ contracts: ['strict'], gates: [{ id: 'build', run: 'make' }, { id: 'own', run: 'true' }] }), phase({ contracts: ['base'] }), contracts);
    expect(gates.map(({ gate, contract }) => `${gate.id}:${contract ?? 'stage'}:${gate.run ?? gate.max_rate ?? ''}`)).toEqual(['build:stage:make', 'stubs:strict:0', 'tests:strict:npm test', 'own:stage:true']);
  });

  it('stand an unknown contract for a gate no run has (so no old run counts), and name each contract once', () => {
    expect(effectiveGates(stage({ contracts: ['base', 'nope', 'base'] }), phase({ contracts: ['base'] }), contracts).map((gate) => gate.id)).toEqual(['build', 'stubs', 'unknown-contract-nope']);
  });

  it('say which contract is unknown when a run did not run it, not the gate that stands for it', () => {
    const origins = effectiveGatesWithOrigin(stage({ contracts: ['nope'] }), phase({}), contracts);
    expect(changedContractRequirements({ gates: [] }, origins)).toEqual(['contract `nope` (unknown, or it fails its schema)']);
  });
});

describe('the definition digest of a gate', () => {
  const gate: GateSpec = { id: 'stubs', type: 'no-stubs', include: ['src/**'], max_rate: 0.05 };

  it('ignores key order, the default severity, descriptions and x- keys, and changes with any threshold or glob', () => {
    const digest = gateDefinitionSha256(gate);
    expect(gateDefinitionSha256({ max_rate: 0.05, include: ['src/**'], type: 'no-stubs', id: 'stubs', severity: 'blocking', description: 'why', 'x-owner': 'me' } as GateSpec)).toBe(digest);
    expect(gateDefinitionSha256({ ...gate, max_rate: 0.04 })).not.toBe(digest);
    expect(gateDefinitionSha256({ ...gate, include: ['lib/**'] })).not.toBe(digest);
    expect(gateDefinitionSha256({ ...gate, severity: 'warning' })).not.toBe(digest);
  });

  it('decides whether a run ran the current gates when the report has it; a report without it is compared by id, type, severity and command', () => {
    const changed = { ...gate, max_rate: 0.01 };
    expect(ranCurrentGates(reportOf([result(gate, gateDefinitionSha256(gate))]), [gate])).toBe(true);
    expect(ranCurrentGates(reportOf([result(gate, gateDefinitionSha256(gate))]), [changed])).toBe(false);
    expect(ranCurrentGates(reportOf([result(gate, undefined)]), [changed])).toBe(true);
    const origins = [{ gate: changed, contract: 'base' }, { gate: { id: 'own', run: 'true' }, contract: undefined }];
    expect(changedContractRequirements(reportOf([result(gate, gateDefinitionSha256(gate)), result({ id: 'own', run: 'false' }, undefined)]), origins)).toEqual(['contract `base` requirement `stubs`']);
  });
});

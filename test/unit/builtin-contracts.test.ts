import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinContracts, readBuiltinContracts } from '../../src/engine/builtin-contracts.js';

const COMPILED = fileURLToPath(new URL('../../dist/engine/builtin-contracts.cjs', import.meta.url));

describe('built-in contracts', () => {
  it('every shipped contract loads from its YAML', () => {
    const { contracts, faults } = readBuiltinContracts();
    expect(faults).toEqual([]);
    expect(contracts.map((contract) => contract.data.contract_id)).toEqual(['deployment', 'implementation', 'testing']);
    expect(contracts.every((contract) => contract.builtin && contract.file === `templates/contracts/${contract.data.contract_id}.yaml`)).toBe(true);
  });

  it('the module the build writes holds exactly what the YAML says (sources read the YAML)', () => {
    expect(builtinContracts()).toEqual(readBuiltinContracts().contracts);
    // `npm test` builds first; a bare `vitest run` on a fresh clone has no dist/ to compare.
    if (!existsSync(COMPILED)) return;
    expect(createRequire(import.meta.url)(COMPILED)).toEqual(readBuiltinContracts().contracts);
  });
});

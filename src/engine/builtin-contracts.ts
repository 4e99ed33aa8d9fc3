import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { validatorFor } from '../model/ajv.js';
import type { ContractFile } from '../model/documents.js';
import type { KnownContract } from '../model/repository.js';
import { contractSchema } from '../model/schemas.js';
import { parseYaml } from '../parse/yaml.js';
import { BUILD_ROOT, PACKAGE_ROOT } from '../util/version.js';

/** Where the built-in contracts ship in the package, and how messages name them. */
export const BUILTIN_CONTRACTS_FOLDER = 'templates/contracts';

/**
 * The build reads the built-in contracts once (`scripts/compile-contracts.mjs`) into this module:
 * parsing their YAML loaded the YAML library (about 50 ms) in every command that builds the model,
 * even a warm `validate` that parses no document. Being a module of the build, the contracts are also
 * part of the code's fingerprint, which keys every cache. Sources run without a build (the tests)
 * read the YAML; test/unit/builtin-contracts.test.ts checks that both agree.
 */
const PRECOMPILED = BUILD_ROOT && new URL('engine/builtin-contracts.cjs', BUILD_ROOT);

let builtins: readonly KnownContract[] | undefined;

/** The contracts shipped with stagedocs (`templates/contracts/<id>.yaml`: implementation, deployment, testing), read once per process. */
export function builtinContracts(): readonly KnownContract[] {
  builtins ??= PRECOMPILED && existsSync(PRECOMPILED) ? (createRequire(import.meta.url)(fileURLToPath(PRECOMPILED)) as KnownContract[]) : readBuiltinContracts().contracts;
  return builtins;
}

/**
 * The built-in contracts read from their YAML files. They are the package's own files, so one that
 * does not parse or match the contract schema is a packaging fault: it is left out (and named in
 * `faults`, which fails the build) rather than failing every command.
 */
export function readBuiltinContracts(): { contracts: KnownContract[]; faults: string[] } {
  const folder = new URL(`${BUILTIN_CONTRACTS_FOLDER}/`, PACKAGE_ROOT);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.yaml')).sort();
  } catch {
    names = [];
  }
  const validate = validatorFor(contractSchema);
  const contracts: KnownContract[] = [];
  const faults: string[] = [];
  for (const name of names) {
    const parsed = parseYaml(readFileSync(new URL(name, folder), 'utf8'));
    const data = parsed.data as ContractFile;
    if (parsed.problems.length > 0 || !validate(data) || `${data.contract_id}.yaml` !== name) {
      faults.push(`${BUILTIN_CONTRACTS_FOLDER}/${name}`);
      continue;
    }
    contracts.push({ data, file: `${BUILTIN_CONTRACTS_FOLDER}/${name}`, builtin: true });
  }
  return { contracts, faults };
}

import { readdirSync, readFileSync } from 'node:fs';
import { validatorFor } from '../model/ajv.js';
import type { ContractFile } from '../model/documents.js';
import type { KnownContract } from '../model/repository.js';
import { contractSchema } from '../model/schemas.js';
import { parseYaml } from '../parse/yaml.js';
import { PACKAGE_ROOT } from '../util/version.js';

/** Where the built-in contracts ship in the package, and how messages name them. */
export const BUILTIN_CONTRACTS_FOLDER = 'templates/contracts';

let builtins: readonly KnownContract[] | undefined;

/**
 * The contracts shipped with stagedocs (`templates/contracts/<id>.yaml`: implementation, deployment,
 * testing), read once per process. They are the package's own files, so one that does not parse or
 * match the contract schema is a packaging fault: it is left out rather than failing every command,
 * and test/e2e/contracts.test.ts checks that every one loads.
 */
export function builtinContracts(): readonly KnownContract[] {
  if (builtins) return builtins;
  const folder = new URL(`${BUILTIN_CONTRACTS_FOLDER}/`, PACKAGE_ROOT);
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => name.endsWith('.yaml')).sort();
  } catch {
    names = [];
  }
  const validate = validatorFor(contractSchema);
  const loaded: KnownContract[] = [];
  for (const name of names) {
    const parsed = parseYaml(readFileSync(new URL(name, folder), 'utf8'));
    const data = parsed.data as ContractFile;
    if (parsed.problems.length > 0 || !validate(data) || `${data.contract_id}.yaml` !== name) continue;
    loaded.push({ data, file: `${BUILTIN_CONTRACTS_FOLDER}/${name}`, builtin: true });
  }
  builtins = loaded;
  return builtins;
}

import { contractIdOfFile, knownContracts } from '../model/contracts.js';
import { placeOf, type ParsedDocument } from '../model/documents.js';
import { needsProblems } from '../model/gate-needs.js';
import { truncate } from '../util/text.js';
import { repositoryRule } from './types.js';

export const contractReference = repositoryRule(
  {
    id: 'contract-reference',
    description:
      'Outcome contracts must exist and be well-formed: every id in a stage\'s or phase\'s `contracts` names a contract file or a built-in contract, a contract\'s `contract_id` equals its file name, and its requirement ids are unique and their `needs` name requirements of the contract.',
    defaultSeverity: 'error',
    kinds: ['stage', 'phase', 'contract'],
  },
  (repo, context) => {
    const known = knownContracts(repo);
    // A contract file whose content fails its schema still exists: its own findings say what is
    // wrong, and a reference to it is not "unknown" (as unknown-reference treats documents).
    const invalidFiles = new Set(repo.documents.filter((doc) => doc.kind === 'contract').map((doc) => contractIdOfFile(doc.file)));
    const folder = repo.config.paths.contracts.replace(/\/+$/, '');
    const builtins = (repo.builtinContracts ?? []).map((contract) => `\`${contract.data.contract_id}\``).join(', ');
    const referAll = (doc: ParsedDocument, contracts: readonly string[] | undefined) => {
      (contracts ?? []).forEach((id, index) => {
        if (known.has(id) || invalidFiles.has(id)) return;
        const lower = id.toLowerCase();
        const sameCase = [...known.keys()].find((candidate) => candidate.toLowerCase() === lower);
        context.report({
          file: doc.file,
          ...placeOf(doc, `/contracts/${index}`),
          message: `Contract \`${truncate(id)}\` does not exist, expected a file ${folder}/${truncate(id)}.yaml or a built-in contract (${builtins || 'none'})`,
          hint: sameCase ? `Did you mean \`${sameCase}\`? Contract ids are case-sensitive.` : `Create ${folder}/${truncate(id)}.yaml (docs/contracts.md), or fix the id.`,
        });
      });
    };
    for (const { doc, data } of repo.stages) referAll(doc, data.contracts);
    for (const { doc, data } of repo.phases) referAll(doc, data.contracts);
    for (const { doc, data } of repo.contracts) {
      const named = contractIdOfFile(doc.file);
      if (data.contract_id !== named) {
        context.report({
          file: doc.file,
          ...placeOf(doc, '/contract_id'),
          message: `\`contract_id\` is \`${truncate(data.contract_id)}\`, expected \`${named}\`, the file's name: stages name a contract by its file`,
          hint: `Set \`contract_id: ${named}\`, or rename the file to ${folder}/${truncate(data.contract_id)}.yaml.`,
        });
      }
      const first = new Map<string, number>();
      data.requirements.forEach((requirement, index) => {
        const earlier = first.get(requirement.id);
        if (earlier === undefined) {
          first.set(requirement.id, index);
          return;
        }
        context.report({
          file: doc.file,
          ...placeOf(doc, `/requirements/${index}/id`),
          message: `Requirement id \`${truncate(requirement.id)}\` is used twice, expected unique ids (first at line ${placeOf(doc, `/requirements/${earlier}/id`).line})`,
          hint: 'Rename one of them: a requirement id names the gate in run reports, and a stage overrides a requirement by its id.',
        });
      });
      if (first.size !== data.requirements.length) continue;
      for (const problem of needsProblems(data.requirements)) {
        context.report({
          file: doc.file,
          ...placeOf(doc, `/requirements/${problem.gate}/needs/${Math.max(0, problem.need)}`),
          message: `Requirement \`${data.requirements[problem.gate]!.id}\` ${problem.message.replace('a gate of this stage', 'a requirement of this contract')}`,
          hint: problem.hint,
        });
      }
    }
  },
);

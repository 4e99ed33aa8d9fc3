import { type Config } from '../model/config.js';
import { REGISTRY_FILE } from '../model/evidence.js';

/** What `stagedocs init` puts in each folder it creates, so that git keeps the folder and readers learn what it is for. */
export function folderReadmes(config: Config): Array<{ folder: string; text: string }> {
  const { stages, decisions, freeze, gate_results: gateResults } = config.paths;
  return [
    {
      folder: stages,
      text: `# Stages\n\nOne folder per phase: \`phase.md\` and its stages \`NN-<slug>.md\`, in order.\nCreate them with \`stagedocs new-phase <slug> --pattern <name>\` and \`stagedocs new-stage "<title>" --phase <id>\`.\n`,
    },
    {
      folder: decisions,
      text: `# Decision notes\n\nOne note per decision, named by its tag (\`D-YYYY-MM-DD-NNN.md\`). Create them with\n\`stagedocs new-decision "<title>" --stage <id>\`; a rerun after a failed gate needs one (\`--rerun-of <run-id>\`).\n`,
    },
    {
      folder: freeze,
      text: `# Freeze files\n\n\`<stage-id>.freeze.json\`, written by \`stagedocs freeze <stage-id>\` before a stage's official runs. They are\nnever edited once committed: a new scope needs a new decision note.\n`,
    },
    {
      folder: gateResults,
      text: `# Gate results\n\nOne folder per gate run (\`<stage-id>_<UTC timestamp>/\`), written by \`stagedocs gate run <stage-id>\`, and\n\`${REGISTRY_FILE}\`, one row per run. Nothing here is ever rewritten; commit it with the work it proves.\n`,
    },
  ];
}

/** Lines `init` makes sure `.gitattributes` and `.gitignore` hold. */
export function gitLines(config: Config): { attributes: string[]; ignore: string[] } {
  return {
    // Two branches that both append runs to the registry merge without a conflict; the registry can be rebuilt from the runs.
    attributes: [`${config.paths.gate_results}/${REGISTRY_FILE} merge=union`],
    // The caches now live in the git directory, but versions up to 0.2 wrote them to .stagedocs/ (and
    // `stagedocs schema` still writes editor schemas there): kept ignored so that a teammate on an
    // older version, or a schema output, never shows up as a change to commit.
    ignore: ['.stagedocs/'],
  };
}

import type { Command } from 'commander';
import { loadConfig } from '../../engine/config.js';
import { defaultConfig } from '../../model/config.js';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { UsageError, EXIT_OK } from '../../model/errors.js';
import { runReportSchema } from '../../model/report-schema.js';
import { configSchema, DOCUMENT_SCHEMAS } from '../../model/schemas.js';
import { writeAtomic } from '../../util/write-atomic.js';
import type { CommandContext } from '../command.js';
import { commandRoot, toRepositoryPath } from '../context.js';
import type { CliIo } from '../io.js';
import { examples } from '../options.js';

export function register(command: Command, context: CommandContext): void {
  command
    .description('Writes phase, stage, decision, freeze, contract, config and gate report (report.json) JSON Schemas into a folder (default .stagedocs/schemas), or prints one.')
    .option('--out <dir>', 'folder to write the schemas into', '.stagedocs/schemas')
    .option('--print <kind>', 'print one schema to stdout instead (phase, stage, decision, freeze, contract, config, report)')
    .addHelpText('after', examples('stagedocs schema', 'stagedocs schema --out schemas', 'stagedocs schema --print stage > stage.schema.json'))
    .action(async (flags: { out: string; print?: string }, command: Command) => {
      context.setExitCode(await schemaAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

const SCHEMAS: Record<string, object> = { ...DOCUMENT_SCHEMAS, config: configSchema, report: runReportSchema };

async function schemaAction(flags: { out: string; print?: string; cwd?: string }, io: CliIo): Promise<number> {
  if (flags.print !== undefined) {
    const schema = SCHEMAS[flags.print];
    if (!schema) throw new UsageError(`Unknown schema \`${flags.print}\`, expected one of ${Object.keys(SCHEMAS).join(', ')}`);
    io.stdout.write(`${JSON.stringify(withDraft(schema), null, 2)}\n`);
    return EXIT_OK;
  }
  const { cwd, root } = await commandRoot(io, flags.cwd, 'optional');
  const out = toRepositoryPath(root, cwd, flags.out);
  await mkdir(path.join(root, out), { recursive: true });
  for (const [kind, schema] of Object.entries(SCHEMAS)) {
    const file = path.posix.join(out, `${kind}.schema.json`);
    await writeAtomic(path.join(root, file), `${JSON.stringify(withDraft(schema), null, 2)}\n`);
    io.stdout.write(`wrote ${file}\n`);
  }
  io.stdout.write(editorAdvice(out, await freezeFolder(root), await contractsFolder(root)));
  return EXIT_OK;
}

/**
 * What to tell editors. Phases, stages and decision notes are markdown with YAML frontmatter, which
 * the YAML and JSON extensions do not validate (mapped onto `*.md` they would check the markdown body
 * as YAML): the language server does. The pure YAML and JSON files can use the schemas directly.
 */
function editorAdvice(out: string, freeze: string, contracts: string): string {
  return (
    '\nFor phases, stages and decision notes (markdown frontmatter), use the language server:\n' +
    '  stagedocs lsp   (setup for VS Code, Neovim, Helix and Zed: docs/editors.md)\n' +
    '\nFor the YAML and JSON files, in VS Code settings (YAML and JSON support):\n' +
    `  "yaml.schemas": { "./${out}/config.schema.json": "stagedocs.config.yaml", "./${out}/contract.schema.json": "${contracts}/**/*.yaml" },\n` +
    `  "json.schemas": [{ "fileMatch": ["${freeze}/**/*.freeze.json"], "url": "./${out}/freeze.schema.json" }]\n`
  );
}

/** The configured contracts folder; the default when the configuration cannot be read. */
async function contractsFolder(root: string): Promise<string> {
  try {
    return (await loadConfig(root)).config.paths.contracts.replace(/\/+$/, '');
  } catch {
    return defaultConfig().paths.contracts;
  }
}

/** The configured freeze folder; the default when the configuration cannot be read (schema writes it anyway). */
async function freezeFolder(root: string): Promise<string> {
  try {
    return (await loadConfig(root)).config.paths.freeze.replace(/\/+$/, '');
  } catch {
    return defaultConfig().paths.freeze;
  }
}

function withDraft(schema: object): object {
  return { $schema: 'http://json-schema.org/draft-07/schema#', ...schema };
}

import type { Command } from 'commander';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILES } from '../../config/config.js';
import { loadConfig } from '../../engine/config.js';
import { defaultConfig } from '../../model/config.js';
import { EXIT_OK, UsageError } from '../../model/errors.js';
import { appendLines, attributesPath, createFiles, missingLines, readTextIfExists, type NewFile } from '../../scaffold/files.js';
import { folderReadmes, gitLines } from '../../scaffold/init.js';
import { renderConfig } from '../../scaffold/render.js';
import type { CommandContext } from '../command.js';
import { commandRoot } from '../context.js';
import type { CliIo } from '../io.js';
import { collect, examples } from '../options.js';
import { ask, canAsk, confirm } from '../prompt.js';
import { printNext } from '../scaffold-output.js';

interface InitFlags {
  yes?: boolean;
  agents?: string[];
  dryRun?: boolean;
  cwd?: string;
}

export function register(command: Command, context: CommandContext): void {
  command
    .description(
      'Writes stagedocs.config.yaml (the defaults, commented), the stages/, decisions/, freeze/ and gate_results/ folders, ' +
        'a .gitattributes entry that lets branches append to the gate registry (merge=union) and .stagedocs/ in .gitignore, ' +
        'and offers to install the pre-commit hook. Running it again keeps everything that exists and only adds what is missing.',
    )
    .option('-y, --yes', 'answer yes to every question (install the pre-commit hook)')
    .option('--dry-run', 'print what would be written, write nothing')
    .option('--agents <list>', 'also write the files these coding agents read (claude, cursor, copilot, gemini, codex; comma-separated)', collect, [])
    .addHelpText('after', examples('stagedocs init', 'stagedocs init --yes', 'stagedocs init --dry-run', 'stagedocs init --yes --agents claude,codex'))
    .action(async (flags: InitFlags, command: Command) => {
      context.setExitCode(await initAction({ ...command.optsWithGlobals(), ...flags }, context.io));
    });
}

const HOOK_COMMAND = 'stagedocs hook install';

/**
 * Sets stagedocs up in a git repository. Idempotent: whatever exists is kept as it is (and said so),
 * and line-based files only get the lines they lack.
 */
async function initAction(flags: InitFlags, io: CliIo): Promise<number> {
  const { root } = await commandRoot(io, flags.cwd, 'required');
  const verb = flags.dryRun ? 'would write' : 'wrote';
  const newFiles: NewFile[] = [];
  const kept: string[] = [];

  const configFile = CONFIG_FILES.find((name) => existsSync(path.join(root, name)));
  const config = configFile ? (await loadConfig(root)).config : defaultConfig();
  if (configFile) kept.push(configFile);
  else newFiles.push({ path: CONFIG_FILES[0]!, content: renderConfig(root, config) });

  for (const { folder, text } of folderReadmes(config)) {
    const dir = path.join(root, folder);
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new UsageError(`${folder} exists but is not a folder`, `Move it away, or set another folder in stagedocs.config.yaml \`paths\`.`);
    }
    if (existsSync(dir) && readdirSync(dir).length > 0) kept.push(`${folder}/`);
    else newFiles.push({ path: `${folder}/README.md`, content: text });
  }

  const lines = gitLines(config);
  const appends: Array<{ file: string; lines: string[] }> = [];
  for (const [file, wanted, keyOf] of [['.gitattributes', lines.attributes, attributesPath], ['.gitignore', lines.ignore, undefined]] as const) {
    const missing = missingLines((await readTextIfExists(path.join(root, file))) ?? '', wanted, keyOf);
    if (missing.length > 0) appends.push({ file, lines: missing });
    else kept.push(file);
  }

  if (!flags.dryRun) {
    await createFiles(root, newFiles);
    for (const append of appends) await appendLines(root, append.file, append.lines);
  }
  for (const file of newFiles) io.stdout.write(`${verb} ${file.path}\n`);
  for (const append of appends) io.stdout.write(`${flags.dryRun ? 'would append to' : 'appended to'} ${append.file}: ${append.lines.join(', ')}\n`);
  for (const file of kept) io.stdout.write(`kept ${file} (already there, left unchanged)\n`);
  let hookExit = EXIT_OK;
  const agents = flags.agents && flags.agents.length > 0 ? flags.agents : await askAgents(flags, io);
  if (agents.length > 0) {
    const [{ parseAgentList }, { writeAgents }] = await Promise.all([import('../../scaffold/agents.js'), import('./agents.js')]);
    const tools = parseAgentList(agents);
    io.stdout.write('\n');
    writeAgents(root, tools, flags.dryRun, io, false);
  }
  if (flags.dryRun) io.stdout.write('\n--dry-run: nothing was written.\n');
  else hookExit = await offerHook(flags, io, root);

  printNext(io, [
    'stagedocs new-phase <slug> --pattern <name>   (mvp-backend, ui-hardening, integrations, research, empty)',
    'stagedocs validate',
  ]);
  return hookExit;
}

/**
 * Without `--agents`, a person at a terminal is asked which coding agents the team uses (a blank
 * answer: none); `--yes`, scripts and agents get none unless they pass `--agents`.
 */
async function askAgents(flags: InitFlags, io: CliIo): Promise<string[]> {
  if (flags.yes === true || !canAsk(io)) return [];
  const answer = await ask(io, 'Coding agents to set up (claude, cursor, copilot, gemini, codex; comma-separated, blank for none)?');
  return answer === '' ? [] : [answer];
}

/** Offers the pre-commit hook and installs it as `stagedocs hook install` does; returns that exit code, 0 when nothing was installed. */
async function offerHook(flags: InitFlags, io: CliIo, root: string): Promise<number> {
  const wanted = flags.yes === true || (canAsk(io) && (await confirm(io, 'Install the pre-commit hook (validates what you commit)?', true)));
  if (!wanted) {
    io.stdout.write(`\nTo validate on every commit, install the pre-commit hook: ${HOOK_COMMAND}\n`);
    return EXIT_OK;
  }
  const { hookInstallAction } = await import('./hook.js');
  io.stdout.write('\n');
  return hookInstallAction({ cwd: root }, io);
}

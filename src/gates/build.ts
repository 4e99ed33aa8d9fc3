import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildTool, GateSpec } from '../model/documents.js';
import { shellQuote } from '../util/shell-quote.js';
import { describeEscape, pathEscape } from '../util/inside-root.js';

/**
 * The `build` gate: the conventional build command of a tool, run through the gate process runner
 * like any command (timeouts, process groups, redaction, run.log). What it needs to exist first (a
 * package.json script, a Makefile) is checked before anything runs, so a project without a build
 * fails with a sentence saying so rather than with the tool's own error.
 */

/** The manifest each tool needs in the build folder, with what its absence means. */
const MANIFESTS: Record<BuildTool, readonly string[]> = {
  npm: ['package.json'],
  pnpm: ['package.json'],
  yarn: ['package.json'],
  make: ['GNUmakefile', 'makefile', 'Makefile'],
  cargo: ['Cargo.toml'],
  go: ['go.mod'],
  python: ['pyproject.toml', 'setup.py'],
};

/** A word as the shell needs it: as written when it holds nothing the shell reads, else quoted. */
const shellWord = (value: string) => (/^[A-Za-z0-9._\/:=@+-]+$/.test(value) ? value : shellQuote(value));

/** The shell command of a build gate, as command.sh records it and the gate runs it. */
export function buildCommand(gate: GateSpec): string | undefined {
  if (gate.tool === undefined) return undefined;
  const script = gate.script !== undefined ? shellWord(gate.script) : undefined;
  const command = {
    npm: `npm run ${script ?? 'build'}`,
    pnpm: `pnpm run ${script ?? 'build'}`,
    yarn: `yarn run ${script ?? 'build'}`,
    make: script !== undefined ? `make ${script}` : 'make',
    cargo: `cargo ${script ?? 'build'}`,
    go: `go build ${script ?? './...'}`,
    python: `python -m ${script ?? 'build'}`,
  }[gate.tool];
  return gate.cwd !== undefined ? `cd ${shellWord(gate.cwd)} && ${command}` : command;
}

/** Why the build cannot run at all (no manifest, no such script), or undefined when it can. */
export async function missingBuild(gate: GateSpec, root: string): Promise<string | undefined> {
  if (gate.tool === undefined) return 'a `build` gate needs `tool` (npm, pnpm, yarn, make, cargo, go or python)';
  const folder = gate.cwd ?? '.';
  const escape = pathEscape(root, folder);
  if (escape) return `\`cwd\` \`${folder}\` ${describeEscape(escape)}, expected a folder inside the repository; nothing ran`;
  const shown = (file: string) => path.posix.join(folder, file);
  const candidates = MANIFESTS[gate.tool];
  let found: { file: string; text: string } | undefined;
  for (const file of candidates) {
    const text = await readFile(path.join(root, folder, file), 'utf8').catch(() => undefined);
    if (text !== undefined) {
      found = { file, text };
      break;
    }
  }
  if (!found) return `no build: ${candidates.map(shown).join(' or ')} does not exist, expected the ${gate.tool} project to build`;
  if (gate.tool !== 'npm' && gate.tool !== 'pnpm' && gate.tool !== 'yarn') return undefined;
  const script = gate.script ?? 'build';
  let scripts: unknown;
  try {
    scripts = (JSON.parse(found.text) as { scripts?: unknown }).scripts;
  } catch (error) {
    return `${shown(found.file)} is not valid JSON: ${(error as Error).message}`;
  }
  const has = scripts !== null && typeof scripts === 'object' && typeof (scripts as Record<string, unknown>)[script] === 'string';
  return has ? undefined : `no build script: ${shown(found.file)} has no \`scripts.${script}\`, expected the command \`${gate.tool} run ${script}\` builds`;
}

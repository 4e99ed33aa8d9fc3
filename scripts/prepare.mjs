// `prepare`: builds dist/, for `npm pack`, `npm publish` and installs from git (dist/ is not committed,
// and without it the package has no `stagedocs` binary). Everything it prints goes to stderr: tools
// read `npm pack`'s stdout as the tarball's name (the pre-commit framework's `language: node` does).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = new URL('..', import.meta.url);
const tools = ['typescript', 'esbuild'];

// npm installs a git dependency's devDependencies before its prepare, except for a global install
// (`npm install -g git+...`): npm 11 prepares that clone with the global settings, so it gets none.
const missing = tools.filter((tool) => !existsSync(new URL(`node_modules/${tool}/package.json`, root)));
if (missing.length > 0) {
  console.error(
    `stagedocs prepare: the build needs the devDependencies (${missing.join(', ')} missing). ` +
      'A global install from git (`npm install -g git+...`) does not install them with npm 11: install stagedocs from the registry, ' +
      'from a tarball (`npm pack`), or from git into a project (`npm install git+...`).',
  );
  process.exit(1);
}

// npm_execpath is the npm that runs this script; `npm` on PATH otherwise.
const execPath = process.env.npm_execpath;
const [command, prefix] = execPath && execPath.endsWith('.js') ? [process.execPath, [execPath]] : ['npm', []];
const result = spawnSync(command, [...prefix, 'run', '--silent', 'build'], { cwd: fileURLToPath(root), stdio: ['ignore', 2, 2] });
if (result.error) console.error(`stagedocs prepare: cannot run the build: ${result.error.message}`);
process.exit(result.status ?? 1);

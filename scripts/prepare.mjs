// `prepare`: builds dist/, for `npm pack`, `npm publish` and installs from git (dist/ is not committed,
// and without it the package has no `stagedocs` binary). Everything it prints goes to stderr: tools
// read `npm pack`'s stdout as the tarball's name (the pre-commit framework's `language: node` does).
//
// `npm install -g git+https://...` runs this in a clone where npm has not installed the
// devDependencies: it prepares the clone with the global settings of the outer command
// (npm_config_global=true, the global prefix), so that install places the clone in the global prefix
// instead of filling its node_modules. Then the devDependencies are installed here first, from the
// lock file, as a local install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tools = ['typescript/package.json', 'esbuild/package.json'];

function npm(args, env = process.env) {
  // npm_execpath is the npm that runs this script; `npm` on PATH otherwise.
  const execPath = process.env.npm_execpath;
  const [command, prefix] = execPath && execPath.endsWith('.js') ? [process.execPath, [execPath]] : ['npm', []];
  const result = spawnSync(command, [...prefix, ...args], { cwd: root, env, stdio: ['ignore', 2, 2] });
  if (result.status !== 0) {
    console.error(`stagedocs prepare: \`npm ${args.join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})`);
    process.exit(result.status || 1);
  }
}

if (!tools.every((tool) => existsSync(new URL(`node_modules/${tool}`, new URL('..', import.meta.url))))) {
  console.error('stagedocs prepare: installing the devDependencies that the build needs (an install from git)');
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (/^npm_config_(global|location|prefix|local_prefix|global_prefix|globalconfig|omit|include|production|only|dry_run|allow_scripts)$/i.test(key)) delete env[key];
  }
  npm(['ci', '--include=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--no-progress'], env);
}
npm(['run', '--silent', 'build']);

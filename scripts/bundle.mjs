// Bundles the CLI's own modules into a few files: dist/cli/bin.js, dist/index.js (the library) and
// dist/engine/facts-worker.js, with the code they share and the commands they load lazily in
// dist/chunks/. Node's ESM loader resolves, reads and links every module file on its own: for the
// ~90 modules of a validate that cost every command 20-30 ms. Dependencies stay in node_modules,
// except the markdown parser (unified, remark-parse, remark-frontmatter and the packages they need:
// about 150 small ESM modules): loading them one by one took 80 ms of every run that parses a
// document (an edit, the hook, a cold run), bundled 18 ms. It stays a lazily loaded chunk.
// Run by `npm run build` after tsc, which type-checks and writes the unbundled modules that the build
// scripts and the benchmark import.
import { readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The parser's packages: these three and, transitively, every package they depend on (pure ESM, MIT). */
function parserPackages() {
  const found = new Set();
  const visit = (name) => {
    if (found.has(name)) return;
    found.add(name);
    const manifest = JSON.parse(readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8'));
    for (const dependency of Object.keys(manifest.dependencies ?? {})) visit(dependency);
  };
  for (const name of ['unified', 'remark-parse', 'remark-frontmatter']) visit(name);
  return found;
}
const bundled = parserPackages();
const packageOf = (specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
/** Every package import stays external but the parser's (a package's own `#` imports are resolved by esbuild). */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./#]/ }, (args) => (args.path.startsWith('node:') || !bundled.has(packageOf(args.path)) ? { path: args.path, external: true } : undefined));
  },
};
// Chunk names carry a content hash: the last build's chunks would otherwise pile up.
rmSync(new URL('../dist/chunks', import.meta.url), { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  // From the sources (esbuild only strips the types tsc has checked), so running this again is harmless.
  entryPoints: ['src/cli/bin.ts', 'src/engine/facts-worker.ts', 'src/index.ts'],
  outdir: 'dist',
  outbase: 'src',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  plugins: [externalPackages],
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
console.error(`bundled ${Object.keys(result.metafile.inputs).length} modules into ${Object.keys(result.metafile.outputs).length} files`);

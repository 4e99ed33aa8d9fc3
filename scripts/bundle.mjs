// Bundles the CLI's own modules into a few files: dist/cli/bin.js, dist/index.js (the library) and
// dist/engine/facts-worker.js, with the code they share and the commands they load lazily in
// dist/chunks/. Node's ESM loader resolves, reads and links every module file on its own: for the
// ~90 modules of a validate that cost every command 20-30 ms. Dependencies stay in node_modules.
// Run by `npm run build` after tsc, which type-checks and writes the unbundled modules that the build
// scripts and the benchmark import.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
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
  packages: 'external',
  chunkNames: 'chunks/[name]-[hash]',
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
});
console.error(`bundled ${Object.keys(result.metafile.inputs).length} modules into ${Object.keys(result.metafile.outputs).length} files`);

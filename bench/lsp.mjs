// How fast `stagedocs lsp` answers an edit on a large repository: spawns the built server in a
// corpus, speaks LSP to it over stdio like an editor, opens one stage and changes it N times, and
// measures from each change sent to the diagnostics published for that version (the debounce
// included). `node bench/lsp.mjs [--size 5000] [--edits 20]` generates bench/.corpus/lsp-<size>/
// (or reuses bench/.corpus/<size>/ when `npm run bench` left one); bench/run.mjs calls measureLsp.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CLI = path.join(HERE, '..', 'dist', 'cli', 'bin.js');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

function vmHwm(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** A stage file of the corpus, from the middle of it. */
function someStage(dir) {
  const phases = readdirSync(path.join(dir, 'stages')).sort();
  const phase = phases[Math.floor(phases.length / 2)];
  const stage = readdirSync(path.join(dir, 'stages', phase)).filter((name) => /^\d\d-/.test(name)).sort()[3];
  return `stages/${phase}/${stage}`;
}

/**
 * Milliseconds from open to the first diagnostics (the first load: config, ids, a warm validate), and
 * from each edit to its diagnostics; every other edit misspells a key, so the diagnostics change.
 */
export async function measureLsp(dir, { edits = 20, pauseMs = 250, cli = CLI } = {}) {
  const child = spawn(process.execPath, [cli, 'lsp', '--stdio'], { cwd: dir, stdio: ['pipe', 'pipe', 'inherit'] });
  const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map();
  connection.onNotification('textDocument/publishDiagnostics', ({ version, diagnostics }) => {
    waiting.get(version)?.(diagnostics);
    waiting.delete(version);
  });
  connection.listen();
  const published = (version) => new Promise((resolve) => waiting.set(version, resolve));
  const rootUri = pathToFileURL(dir).href;
  await connection.sendRequest('initialize', { processId: process.pid, rootUri, workspaceFolders: [{ uri: rootUri, name: 'corpus' }], capabilities: {} });
  await connection.sendNotification('initialized', {});

  const file = someStage(dir);
  const uri = pathToFileURL(path.join(dir, file)).href;
  const original = readFileSync(path.join(dir, file), 'utf8');
  let started = performance.now();
  const first = published(1);
  await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'markdown', version: 1, text: original } });
  const firstDiagnostics = await first;
  const firstLoadMs = performance.now() - started;
  if (firstDiagnostics.length > 0) throw new Error(`${file} of the corpus is not clean: ${JSON.stringify(firstDiagnostics)}`);

  const times = [];
  for (let version = 2; version < edits + 2; version++) {
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const text = version % 2 === 0 ? original.replace(/^estimate: /m, 'estimat: ') : original.replace(/^estimate: \d+/m, `estimate: ${1 + (version % 3)}`);
    const done = published(version);
    started = performance.now();
    await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    const diagnostics = await done;
    times.push(performance.now() - started);
    const expected = version % 2 === 0 ? 1 : 0;
    if (diagnostics.length !== expected) throw new Error(`edit ${version}: expected ${expected} diagnostics, got ${JSON.stringify(diagnostics)}`);
  }
  const peakMb = vmHwm(child.pid) / 1024;
  await connection.sendRequest('shutdown');
  await connection.sendNotification('exit');
  await new Promise((resolve) => child.on('exit', resolve));
  connection.dispose();
  const sorted = [...times].sort((a, b) => a - b);
  return { file, firstLoadMs, editMs: { min: sorted[0], median: median(times), p90: sorted[Math.floor(sorted.length * 0.9)], max: sorted.at(-1) }, peakMb, edits };
}

// Run as a script (not imported by bench/run.mjs, nor from `node -e`, which has no script path).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name, fallback) => {
    const at = process.argv.indexOf(`--${name}`);
    return at === -1 ? fallback : Number(process.argv[at + 1]);
  };
  const size = arg('size', 5000);
  const edits = arg('edits', 20);
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first.');
  let dir = path.join(HERE, '.corpus', String(size));
  if (!existsSync(path.join(dir, 'stagedocs.config.yaml'))) dir = path.join(HERE, '.corpus', `lsp-${size}`);
  if (!existsSync(path.join(dir, 'stagedocs.config.yaml'))) {
    const { writeCorpus } = await import('./corpus.mjs');
    const source = readFileSync(path.join(HERE, '..', 'dist/model/evidence.js'), 'utf8');
    const columns = [.../REGISTRY_COLUMNS\s*=\s*\[([^\]]*)\]/.exec(source)[1].matchAll(/'([^']+)'/g)].map((m) => m[1]);
    const started = Date.now();
    const corpus = writeCorpus(dir, { stages: size, decisions: Math.round(size / 10), runs: Math.round((size * 2) / 5), commits: size * 2, columns });
    console.log(`corpus: ${corpus.documents} documents, ${corpus.commits} commits in ${dir}, generated in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  // The cache as a developer's own `stagedocs validate` leaves it (a rebuild changes its key).
  execFileSync(process.execPath, [CLI, 'validate'], { cwd: dir, stdio: 'inherit' });
  const result = await measureLsp(dir, { edits });
  console.log(`stagedocs lsp on ${size} stages (${result.file}): first diagnostics ${result.firstLoadMs.toFixed(0)} ms after open;`);
  console.log(`  diagnostics after an edit: min ${result.editMs.min.toFixed(0)} ms, median ${result.editMs.median.toFixed(0)} ms, p90 ${result.editMs.p90.toFixed(0)} ms, max ${result.editMs.max.toFixed(0)} ms over ${result.edits} edits (debounce 50 ms included); peak ${result.peakMb.toFixed(0)} MB`);
}

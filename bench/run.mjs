// `npm run bench`: generates corpora (bench/.corpus/, git-ignored) and measures stagedocs and its peers
// as whole processes: median wall time of several runs, and the peak resident memory of each run.
//
//   node bench/run.mjs [--sizes 500,5000,50000] [--runs 3] [--peer-runs 1] [--main 5000] [--no-peers] [--no-remark] [--only <text>]
//                      [--keep-corpus] [--cli <path of a built bin.js>]
//   node bench/run.mjs --from bench/results.json   (the tables and targets of a saved run again)
//   (env: BENCH_SIZES, BENCH_RUNS, BENCH_PEER_RUNS, BENCH_MAIN, BENCH_ONLY, BENCH_KEEP_CORPUS=1, BENCH_CLI)
//   --only measures just the rows whose label contains the text (`--only lsp`, `--only warm`; rows of
//   several texts with `|`: `--only "(cold)|md043 only"`, the cold row and its peer); the
//   corpus is still generated and checked, and its cache filled as a developer's validate leaves it.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAGE_SECTIONS, writeCorpus } from './corpus.mjs';
import { measureLsp } from './lsp.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..');
// --cli (BENCH_CLI) measures another build, e.g. a copy of dist/ before a change, in the same kind of run.
const CLI = path.resolve(process.argv.includes('--cli') ? process.argv[process.argv.indexOf('--cli') + 1] : process.env.BENCH_CLI ?? path.join(REPO, 'dist/cli/bin.js'));
const BIN = (name) => path.join(REPO, 'node_modules/.bin', name);
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

function flag(name, env, fallback) {
  const index = process.argv.indexOf(`--${name}`);
  if (index !== -1) return process.argv[index + 1];
  return process.env[env] ?? fallback;
}
const SIZES = flag('sizes', 'BENCH_SIZES', '500,5000').split(',').map(Number);
// One count for every size, or one per size in the order of --sizes (`--runs 3,1`: 50,000 stages take minutes per run).
const RUNS_PER_SIZE = flag('runs', 'BENCH_RUNS', '3').split(',').map(Number);
const RUNS = RUNS_PER_SIZE[0];
const PEER_RUNS = Number(flag('peer-runs', 'BENCH_PEER_RUNS', '1'));
const MAIN = Number(flag('main', 'BENCH_MAIN', '5000'));
const PEERS = !process.argv.includes('--no-peers');
const REMARK = PEERS && !process.argv.includes('--no-remark');
const ONLY = flag('only', 'BENCH_ONLY', '').toLowerCase();
const KEEP_CORPUS = process.argv.includes('--keep-corpus') || process.env.BENCH_KEEP_CORPUS === '1';
// --corpus-only: generate (or check) the corpora and measure nothing; a later --keep-corpus run reuses them.
const CORPUS_ONLY = process.argv.includes('--corpus-only');
/** Whether a row is measured in this run (all of them unless --only; `a|b` measures the rows of either, a row and its peer). */
const wanted = (label) => ONLY.split('|').some((part) => label.toLowerCase().includes(part));
const runsOf = Object.fromEntries(SIZES.map((size, index) => [size, RUNS_PER_SIZE[Math.min(index, RUNS_PER_SIZE.length - 1)]]));
if (!SIZES.includes(MAIN)) SIZES.push(MAIN), (runsOf[MAIN] = RUNS);
SIZES.sort((a, b) => a - b);

/**
 * Runs one process to completion; returns wall seconds, its own peak RSS in MB (`VmHWM` of the
 * process itself, polled), the peak of the largest process of its tree (GNU time's `%M`: git's
 * processes included, whose RSS counts the pages of the pack files they map: 2 GB on the 50,000-stage
 * corpus, whose history fast-import packed with few deltas) and the exit code.
 */
function measure(command, args, cwd, env = {}) {
  return new Promise((resolve, reject) => {
    const argv = TIME ? ['-f', '%M', command, ...args] : args;
    const start = process.hrtime.bigint();
    const child = spawn(TIME ?? command, argv, { cwd, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let ownKb = 0;
    // The measured process is the child, or under GNU time the child's child.
    const measured = () => (TIME ? childOf(child.pid) : child.pid);
    const poll = setInterval(() => {
      const pid = measured();
      if (pid) ownKb = Math.max(ownKb, vmHwm(pid));
    }, 5);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      let treeKb = ownKb;
      if (TIME) {
        const lines = stderr.trimEnd().split('\n');
        treeKb = Number(lines.pop());
        stderr = lines.filter((line) => !line.startsWith('Command exited with')).join('\n');
      }
      resolve({ seconds, peakMb: ownKb / 1024, treePeakMb: treeKb / 1024, code, stderr });
    });
  });
}

/** The first child of a process (GNU time has one), from /proc. */
function childOf(pid) {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(' ')[0]) || undefined;
  } catch {
    return undefined;
  }
}

function vmHwm(pid) {
  try {
    return Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

async function bench(label, command, args, cwd, runs, { expectCodes = [0], env, before } = {}) {
  const results = [];
  for (let i = 0; i < runs; i++) {
    before?.();
    const result = await measure(command, args, cwd, env);
    if (!expectCodes.includes(result.code)) {
      throw new Error(`${label}: exit ${result.code}\n${result.stderr.slice(0, 2000)}`);
    }
    results.push(result);
  }
  return { label, runs, seconds: median(results.map((r) => r.seconds)), peakMb: Math.max(...results.map((r) => r.peakMb)), treePeakMb: Math.max(...results.map((r) => r.treePeakMb)), exitCode: results[0].code };
}

/**
 * Refuses to measure a corpus that does not validate clean: the timings would then measure printing
 * diagnostics, not validation, and every later row would compare different work.
 */
function assertValidatesClean(dir, size) {
  try {
    execFileSync('node', [CLI, 'validate', '--no-cache'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' }, maxBuffer: 1 << 28 });
  } catch (error) {
    const output = `${error.stdout ?? ''}${error.stderr ?? ''}`.split('\n').slice(0, 20).join('\n');
    throw new Error(`The generated corpus of ${size} stages does not validate clean (exit ${error.status}); bench/corpus.mjs must generate valid repositories:\n${output}`);
  }
}

/** Whether the built CLI has a command, judged by its own `--help`. */
function hasCommand(name) {
  const help = execFileSync('node', [CLI, '--help'], { encoding: 'utf8' });
  return new RegExp(`^\\s+${name}\\b`, 'm').test(help);
}

function registryColumns() {
  const source = readFileSync(path.join(path.dirname(CLI), '../model/evidence.js'), 'utf8');
  const list = /REGISTRY_COLUMNS\s*=\s*\[([^\]]*)\]/.exec(source)?.[1];
  if (!list) throw new Error('REGISTRY_COLUMNS not found in dist/model/evidence.js');
  return [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]);
}

function configurePeers(dir) {
  const stageGlob = 'stages/**/[0-9][0-9]-*.md';
  const headings = ['*', ...STAGE_SECTIONS.map((title) => `## ${title}`)];
  writeFileSync(
    path.join(dir, '.markdownlint-cli2.jsonc'),
    `${JSON.stringify({ config: { default: false, MD043: { headings } }, globs: [stageGlob], noProgress: true }, null, 2)}\n`,
  );
  const schema = execFileSync('node', [CLI, 'schema', '--print', 'stage'], { encoding: 'utf8' });
  writeFileSync(path.join(dir, '.stagedocs-stage.schema.json'), schema);
  writeFileSync(
    path.join(dir, '.remarkrc.json'),
    `${JSON.stringify({ plugins: ['remark-frontmatter', ['remark-lint-frontmatter-schema', { schemas: { './.stagedocs-stage.schema.json': [stageGlob] } }]] }, null, 2)}\n`,
  );
  return stageGlob;
}

/** Prints the tables and targets of a run and records the targets in it (also for a saved run: --from). */
function summarize(report) {
  const MAIN = report.main;
  const main = report.sizes[MAIN].rows;
  // The peer of the whole corpus (not the one on the three staged files).
  const peer = main.find((row) => row.label === ROW.markdownlint);
  console.log(`\n## ${MAIN} stages (median of ${report.sizes[MAIN].runs ?? report.runs} runs; remark-cli ${report.peerRuns})\n`);
  console.log('| command | time (s) | peak memory (MB) | with git (MB) | vs markdownlint-cli2 |');
  console.log('|---|---:|---:|---:|---:|');
  for (const row of main) {
    if (row.na) console.log(`| ${row.label} | ${row.na} | | | |`);
    // Only validate does the job markdownlint-cli2 does; the other commands have no peer.
    else console.log(`| ${row.label} | ${row.seconds.toFixed(3)} | ${row.peakMb.toFixed(0)} | ${row.treePeakMb === undefined ? '' : row.treePeakMb.toFixed(0)} | ${!/validate --no-cache|validate \(warm\)|\(MD043 only\)|remark/.test(row.label) ? '' : !peer ? 'n/a' : ratio(peer.seconds, row.seconds)} |`);
  }
  console.log('\n## Scaling (seconds; stages -> cold / warm / markdownlint-cli2)\n');
  for (const size of Object.keys(report.sizes).map(Number).sort((x, y) => x - y)) {
    const rows = report.sizes[size].rows;
    const get = (prefix) => rows.find((row) => row.label.startsWith(prefix))?.seconds;
    const fmt = (value) => (value === undefined ? 'n/a' : value.toFixed(3));
    console.log(`${String(size).padStart(6)} stages: cold ${fmt(get('stagedocs validate --no-cache'))}, warm ${fmt(get('stagedocs validate (warm)'))}, markdownlint-cli2 ${fmt(get(ROW.markdownlint))}`);
  }
  report.targets = targetsOf(main, peer);
  console.log('\n## Targets (issue 7)\n');
  for (const target of TARGETS) {
    const value = report.targets[target.key];
    const met = value === undefined ? 'n/a' : (target.min !== undefined ? value >= target.min : value <= target.max) ? 'met' : 'NOT met';
    console.log(`  ${target.label.padEnd(44)} ${value === undefined ? 'n/a' : value.toFixed(3).padStart(8)}  ${target.min !== undefined ? `>= ${target.min}` : `<= ${target.max}`}  ${met}`);
  }
  report.issue19 = issue19Targets(report);
  console.log(`\n## Targets (issue 19; load average at the start ${report.machine.loadAverageAtStart}, at the end ${report.machine.loadAverageAtEnd ?? 'n/a'})\n`);
  console.log('| target | size | value | target | |');
  console.log('|---|---:|---:|---:|---|');
  for (const target of report.issue19.targets) {
    console.log(`| ${target.label} | ${target.size} | ${target.value === undefined ? 'n/a' : target.value.toFixed(3)} | ${target.min !== undefined ? `>= ${target.min}` : `<= ${target.max}`} | ${target.met} |`);
  }
  if (report.issue19.growth.length > 0) {
    const { from, to } = report.issue19.growth[0];
    console.log(`\n## Growth ${from} -> ${to} stages (time ratio / ${to / from}: at most 1 is linear or better; peak memory at ${to} at most ${PEAK_MB_AT_LARGEST} MB)\n`);
    console.log(`| command | time ${from} (s) | time ${to} (s) | time ratio | / ${to / from} | linear | peak ${to} (MB) | memory | with git (MB) |`);
    console.log('|---|---:|---:|---:|---:|---|---:|---|---:|');
    for (const g of report.issue19.growth) {
      console.log(`| ${g.label} | ${g.fromSeconds.toFixed(3)} | ${g.toSeconds.toFixed(3)} | ${g.timeRatio.toFixed(2)} | ${g.perSize.toFixed(2)} | ${g.linear} | ${g.peakMb.toFixed(0)} | ${g.memory} | ${g.treePeakMb === undefined ? '' : g.treePeakMb.toFixed(0)} |`);
    }
  }
}

/** The labels of the rows the targets of issues 7 and 19 read. */
const ROW = {
  cold: 'stagedocs validate --no-cache (cold)',
  warm: 'stagedocs validate (warm)',
  editOne: 'stagedocs validate after editing one document',
  afterCommit: 'stagedocs validate after a commit touching 3 documents',
  hook: 'stagedocs hook run (3 staged files)',
  hookFull: 'stagedocs hook run, its first (no kept result; 3 staged files)',
  mdThree: 'markdownlint-cli2 (MD043, the 3 staged files)',
  range: 'stagedocs audit-pack (200-commit range)',
  rangeNoCache: 'stagedocs audit-pack (200-commit range, no cache: CI)',
  lsp: 'stagedocs lsp: diagnostics after an edit',
  guard: 'stagedocs guard (pre-edit check)',
  markdownlint: 'markdownlint-cli2 (MD043 only)',
};

/** `count` stage files of the first phase (its phase.md left out), the same ones at every size. */
function stageFiles(dir, count) {
  return execFileSync('git', ['ls-files', '--', 'stages/0001-phase-1'], { cwd: dir, encoding: 'utf8' }).trim().split('\n').slice(1, 1 + count);
}

/** Edits the files the way a stage's work does: its estimate changes (each call gives a new value). */
function editStages(dir, files) {
  for (const file of files) {
    const full = path.join(dir, file);
    writeFileSync(full, readFileSync(full, 'utf8').replace(/^estimate: (\d)/m, (_, n) => `estimate: ${(Number(n) % 4) + 1}`));
  }
}

/**
 * Puts the corpus back with one git command. The files it rewrites have stamps younger than 2 s,
 * which are "racy" and never trusted: so wait, then validate once, as the rows after it would run
 * after a developer's own validate.
 */
async function restore(dir, gitArgs) {
  execFileSync('git', gitArgs, { cwd: dir });
  await new Promise((resolve) => setTimeout(resolve, 2100));
  await measure('node', [CLI, 'validate'], dir);
}

/**
 * The corpus of these parameters in `dir`: generated, or with --keep-corpus the one a previous run
 * generated there with the same parameters, put back to the commit it was generated at (the
 * after-commit row adds commits) with no caches, as after generating. Generating 50,000 stages takes
 * minutes; comparing two builds in turns needs the same corpus anyway.
 */
function corpusOf(dir, params) {
  const marker = path.join(dir, '.git', 'bench-corpus.json');
  if (KEEP_CORPUS) {
    try {
      const kept = JSON.parse(readFileSync(marker, 'utf8'));
      if (JSON.stringify(kept.params) === JSON.stringify(params)) {
        execFileSync('git', ['reset', '-q', '--hard', kept.head], { cwd: dir });
        execFileSync('git', ['clean', '-q', '-f', '-d'], { cwd: dir });
        for (const folder of ['.git/stagedocs', '.stagedocs']) rmSync(path.join(dir, folder), { recursive: true, force: true });
        return { ...kept.corpus, reused: true };
      }
    } catch {
      // None there, or another one: generate it.
    }
  }
  const corpus = writeCorpus(dir, params);
  const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
  writeFileSync(marker, `${JSON.stringify({ params, head, corpus })}\n`);
  return corpus;
}

async function main() {
  // --from <results.json>: the tables and targets of a saved run, recomputed and written back to it.
  const from = flag('from', 'BENCH_FROM', '');
  if (from) {
    const report = JSON.parse(readFileSync(from, 'utf8'));
    summarize(report);
    writeFileSync(from, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwritten ${from}`);
    return;
  }
  if (!existsSync(CLI)) throw new Error('dist/ is missing: run `npm run build` first (npm run bench does).');
  const columns = registryColumns();
  const commands = Object.fromEntries(['hook', 'audit-pack', 'status'].map((name) => [name, hasCommand(name)]));
  const load = os.loadavg().map((value) => value.toFixed(2)).join(' ');
  const machine = { loadAverageAtStart: load, cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memoryGb: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.type()} ${os.release()}` };
  const report = { date: new Date().toISOString(), machine, runs: RUNS, peerRuns: PEER_RUNS, peakMemory: `peakMb: VmHWM of the stagedocs process itself, polled every 5 ms; treePeakMb: ${TIME ? '/usr/bin/time -f %M, its largest process, git included' : 'the same (no GNU time)'}`, sizes: {}, main: MAIN };
  console.log(`machine: ${machine.cpus} x ${machine.cpu}, ${machine.memoryGb} GB, node ${machine.node}, load average ${load}`);

  for (const size of SIZES) {
    const RUNS = runsOf[size];
    const dir = path.join(HERE, '.corpus', String(size));
    const started = Date.now();
    const decisions = Math.round(size / 10);
    const isMain = size === MAIN;
    const corpus = corpusOf(dir, { stages: size, decisions, runs: Math.round((size * 2) / 5), commits: size * 2, columns });
    console.log(`\ncorpus ${size}: ${corpus.documents} documents (${(corpus.bytes / 2 ** 20).toFixed(1)} MB), ${corpus.commits} commits, ${corpus.reused ? 'reused' : 'generated'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    assertValidatesClean(dir, size);
    if (CORPUS_ONLY) continue;
    const stageGlob = configurePeers(dir);
    const rows = [];
    const run = async (label, args, runs = RUNS, options) => {
      if (!wanted(label)) return;
      const row = await bench(label, 'node', [CLI, ...args], dir, runs, options);
      rows.push(row);
      print(row);
    };
    const na = (label, name) => {
      if (!wanted(label)) return;
      const row = { label, na: `n/a (command not available: ${name})` };
      rows.push(row);
      print(row);
    };
    await run('stagedocs validate --no-cache (cold)', ['validate', '--no-cache']);
    if (isMain) await run('stagedocs validate --no-cache, STAGEDOCS_WORKERS=1', ['validate', '--no-cache'], RUNS, { env: { STAGEDOCS_WORKERS: '1' } });
    // One run fills the cache; the measured runs then find nothing changed.
    await measure('node', [CLI, 'validate'], dir);
    await run('stagedocs validate (warm)', ['validate']);
    // The loop of someone writing a stage: one document edited, then validate (issue 19).
    const edited = stageFiles(dir, 1);
    if (wanted(ROW.editOne)) {
      await run(ROW.editOne, ['validate'], RUNS, { before: () => editStages(dir, edited) });
      await restore(dir, ['checkout', '-q', 'HEAD', '--', ...edited]);
    }
    const three = stageFiles(dir, 3);
    if (!wanted(ROW.hook)) {
      // Skipped with --only: the files stay as committed.
    } else if (commands.hook) {
      // The loop of commits: the hook ran at the commit before (here on three other stages, staged
      // and then put back), so it finds its last run's result. That first run has none: it runs in full.
      const before = stageFiles(dir, 6).slice(3);
      editStages(dir, before);
      execFileSync('git', ['add', '--', ...before], { cwd: dir });
      if (wanted(ROW.hookFull)) await run(ROW.hookFull, ['hook', 'run'], 1);
      else await measure('node', [CLI, 'hook', 'run'], dir);
      execFileSync('git', ['checkout', '-q', 'HEAD', '--', ...before], { cwd: dir });
      // Each measured run commits new content of the three (each edit gives a new estimate).
      const stageThree = () => {
        editStages(dir, three);
        execFileSync('git', ['add', '--', ...three], { cwd: dir });
      };
      await run(ROW.hook, ['hook', 'run'], RUNS, { before: stageThree });
      // The peer of the hook: markdownlint-cli2 on the same three files (its globs left out).
      if (PEERS) {
        const md = await bench(ROW.mdThree, BIN('markdownlint-cli2'), ['--no-globs', ...three], dir, RUNS);
        rows.push(md);
        print(md);
      }
      // The checkout rewrites three files: stamps younger than 2 s are "racy" and never trusted, so
      // wait, then validate once, as the commands below would run after a developer's own validate.
      await restore(dir, ['checkout', '-q', 'HEAD', '--', '.']);
    } else na(ROW.hook, 'hook');
    const wholeHistory = ['audit-pack', '--base', execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim()];
    // A pull request's range: the corpus's last 200 commits (the same count at every size).
    const range = ['audit-pack', '--base', execFileSync('git', ['rev-parse', 'HEAD~200'], { cwd: dir, encoding: 'utf8' }).trim()];
    // What CI sees: a fresh clone has no caches (in the git directory, .git/stagedocs; older versions
    // kept them in .stagedocs/), so every document is read and parsed.
    const noCache = () => {
      for (const folder of ['.git/stagedocs', '.stagedocs']) rmSync(path.join(dir, folder), { recursive: true, force: true });
    };
    if (commands['audit-pack']) {
      await run('stagedocs audit-pack (whole history)', wholeHistory);
      await run(ROW.range, range);
    } else {
      na('stagedocs audit-pack (whole history)', 'audit-pack');
      na(ROW.range, 'audit-pack');
    }
    if (commands.status) await run('stagedocs status', ['status']);
    else na('stagedocs status', 'status');
    if (commands['audit-pack']) {
      await run('stagedocs audit-pack (whole history, no cache: CI)', wholeHistory, RUNS, { before: noCache });
      await run(ROW.rangeNoCache, range, RUNS, { before: noCache });
      // Leave the caches as a developer's validate does for the rows below.
      if (wanted(ROW.rangeNoCache) || wanted('stagedocs audit-pack (whole history, no cache: CI)')) await measure('node', [CLI, 'validate'], dir);
    }
    await run('stagedocs --help', ['--help']);
    const lspLabel = ROW.lsp;
    if (!wanted(lspLabel)) {
      // Skipped with --only.
    } else if (hasCommand('lsp')) {
      // An editor's edit: from the change sent to the diagnostics published (debounce included).
      // Each of RUNS runs is a fresh server with its own edits; the row is the median of their
      // medians, with the fastest edit and the first load beside it.
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await measureLsp(dir, { cli: CLI }));
      const row = {
        label: lspLabel,
        runs: runs.length,
        edits: runs.reduce((sum, lsp) => sum + lsp.edits, 0),
        seconds: median(runs.map((lsp) => lsp.editMs.median)) / 1000,
        minSeconds: Math.min(...runs.map((lsp) => lsp.editMs.min)) / 1000,
        medians: runs.map((lsp) => lsp.editMs.median / 1000),
        peakMb: Math.max(...runs.map((lsp) => lsp.peakMb)),
        exitCode: 0,
        firstLoadSeconds: median(runs.map((lsp) => lsp.firstLoadMs)) / 1000,
      };
      rows.push(row);
      print(row);
      console.log(`  ${''.padEnd(40)} medians of the runs ${row.medians.map((value) => value.toFixed(3)).join(', ')} s; fastest edit ${row.minSeconds.toFixed(3)} s; first load ${row.firstLoadSeconds.toFixed(3)} s`);
    } else na(lspLabel, 'lsp');
    if (!wanted(ROW.guard)) {
      // Skipped with --only.
    } else if (hasCommand('guard')) {
      // An agent's pre-edit hook, in its --path form (the hook form reads the same check's input
      // from stdin): a path no stage protects, so every contract is read and none refuses it.
      await measure('node', [CLI, 'guard', '--path', 'src/edited.ts'], dir);
      await run(ROW.guard, ['guard', '--path', 'src/edited.ts']);
    } else na(ROW.guard, 'guard');
    // Last, as it adds commits: each run commits three edited stages first, then validates (the new
    // HEAD's history is the old one's plus one commit). The corpus is put back afterwards.
    if (wanted(ROW.afterCommit)) {
      const generated = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8' }).trim();
      await run(ROW.afterCommit, ['validate'], RUNS, {
        before: () => {
          editStages(dir, three);
          execFileSync('git', ['commit', '-q', '--no-verify', '-m', 'Edit three stages', '--', ...three], { cwd: dir });
        },
      });
      await restore(dir, ['reset', '-q', '--hard', generated]);
    }
    if (PEERS && wanted('markdownlint-cli2 (MD043 only)')) {
      const md = await bench('markdownlint-cli2 (MD043 only)', BIN('markdownlint-cli2'), [], dir, RUNS);
      rows.push(md);
      print(md);
    }
    if (PEERS && isMain && REMARK && wanted('remark-cli + frontmatter-schema')) {
      const remark = await bench('remark-cli + frontmatter-schema', BIN('remark'), ['--quiet', '--frail', '--no-stdout', stageGlob], dir, PEER_RUNS);
      rows.push(remark);
      print(remark);
    }
    report.sizes[size] = { corpus, runs: RUNS, rows };
  }

  if (CORPUS_ONLY) return;
  report.machine.loadAverageAtEnd = os.loadavg().map((value) => value.toFixed(2)).join(' ');
  summarize(report);
  // A partial run (--only) never replaces the whole benchmark's results, which a stage's gate reads.
  const results = ONLY ? '.corpus/results-only.json' : 'results.json';
  mkdirSync(HERE, { recursive: true });
  writeFileSync(path.join(HERE, results), `${JSON.stringify({ ...report, ...(ONLY ? { only: ONLY } : {}) }, null, 2)}\n`);
  console.log(`\nwritten bench/${results}`);
}

/**
 * The targets of issue 7 at the main size, as numbers in bench/results.json under `targets`, so that
 * the stage that tracks them (stages/stagedocs-0.1/05-performance.md) checks each with a metric gate.
 */
const TARGETS = [
  { key: 'coldSpeedup', label: 'validate cold, times faster than markdownlint', min: 3 },
  { key: 'warmSpeedup', label: 'validate warm, times faster than markdownlint', min: 20 },
  { key: 'hookSeconds', label: 'hook run with 3 staged files (s)', max: 0.3 },
  { key: 'auditPackSeconds', label: 'audit-pack over the whole history (s)', max: 1 },
  { key: 'helpSeconds', label: '--help (s)', max: 0.15 },
  { key: 'peakMemoryMb', label: 'peak memory of any stagedocs run (MB)', max: 300 },
  { key: 'guardSeconds', label: 'guard, the pre-edit check (s; issue 17)', max: 0.2 },
  { key: 'lspEditSeconds', label: 'lsp diagnostics after an edit (s; issue 18)', max: 0.2 },
];

/** Peak memory every command stays under at the largest size measured (issue 19: 400 MB at 50,000 stages). */
const PEAK_MB_AT_LARGEST = 400;

/**
 * The targets of issue 19, each a ratio of two rows of the same run (absolute times on a shared
 * machine move with its load; ratios much less): per size, the edit and after-commit loops against
 * the warm validate and the hook against markdownlint-cli2 on the same three files; at the largest
 * size, cold validate against markdownlint-cli2, every command's peak memory, and the 200-commit
 * range's audit pack against the same range at 5,000 stages; and every command's growth from the
 * second-largest size to the largest.
 */
function issue19Targets(report) {
  const sizes = Object.keys(report.sizes).map(Number).sort((a, b) => a - b);
  const at = (size, label) => report.sizes[size]?.rows.find((row) => row.label === label && !row.na);
  const targets = [];
  const target = (label, size, value, limit) => {
    const met = value === undefined || Number.isNaN(value) ? 'n/a' : (limit.min !== undefined ? value >= limit.min : value <= limit.max) ? 'met' : 'NOT met';
    targets.push({ label, size, value, ...limit, met });
  };
  const over = (size, label, base) => (at(size, label) && at(size, base) ? at(size, label).seconds / at(size, base).seconds : undefined);
  for (const size of sizes) {
    target('validate after editing one document / warm validate', size, over(size, ROW.editOne, ROW.warm), { max: 1.3 });
    target('validate after a commit touching 3 documents / warm validate', size, over(size, ROW.afterCommit, ROW.warm), { max: 1.3 });
    target('hook run, 3 staged stage files / markdownlint-cli2 on the 3 files', size, over(size, ROW.hook, ROW.mdThree), { max: 0.8 });
  }
  const largest = sizes.at(-1);
  const cold = at(largest, ROW.cold);
  const peer = at(largest, ROW.markdownlint);
  target('cold validate, times faster than markdownlint-cli2 on the corpus', largest, cold && peer ? peer.seconds / cold.seconds : undefined, { min: 5 });
  const ours = report.sizes[largest].rows.filter((row) => row.label.startsWith('stagedocs') && !row.na);
  target('peak memory of any stagedocs command (MB)', largest, ours.length > 0 ? Math.max(...ours.map((row) => row.peakMb)) : undefined, { max: PEAK_MB_AT_LARGEST });
  // The same with the git processes a command starts: their RSS counts the pages of the pack files they map.
  const withGit = ours.filter((row) => row.treePeakMb !== undefined);
  target('peak memory of any stagedocs command, its git processes included (MB)', largest, withGit.length > 0 ? Math.max(...withGit.map((row) => row.treePeakMb)) : undefined, { max: PEAK_MB_AT_LARGEST });
  if (largest !== 5000 && report.sizes[5000]) {
    for (const label of [ROW.range, ROW.rangeNoCache]) {
      const here = at(largest, label);
      const there = at(5000, label);
      target(`${label.replace(/^stagedocs /, '')}, ${largest} / 5000`, largest, here && there ? here.seconds / there.seconds : undefined, { max: 2 });
    }
  }
  target('guard, the pre-edit check (s)', report.main, at(report.main, ROW.guard)?.seconds, { max: 0.2 });
  target('lsp diagnostics after an edit (s)', report.main, at(report.main, ROW.lsp)?.seconds, { max: 0.2 });
  const growth = [];
  if (sizes.length >= 2) {
    const from = sizes.at(-2);
    const to = largest;
    for (const row of report.sizes[to].rows) {
      const before = at(from, row.label);
      if (row.na || !before || !row.label.startsWith('stagedocs')) continue;
      const timeRatio = row.seconds / before.seconds;
      const perSize = timeRatio / (to / from);
      growth.push({ label: row.label, from, to, fromSeconds: before.seconds, toSeconds: row.seconds, timeRatio, perSize, linear: perSize <= 1 ? 'met' : 'NOT met', peakMb: row.peakMb, treePeakMb: row.treePeakMb, memory: row.peakMb <= PEAK_MB_AT_LARGEST ? 'met' : 'NOT met' });
    }
  }
  return { targets, growth };
}

function targetsOf(rows, peer) {
  const seconds = (label) => rows.find((row) => row.label === label && !row.na)?.seconds;
  const speedup = (label) => (peer && seconds(label) ? peer.seconds / seconds(label) : undefined);
  const ours = rows.filter((row) => row.label.startsWith('stagedocs') && !row.na);
  return {
    coldSpeedup: speedup('stagedocs validate --no-cache (cold)'),
    warmSpeedup: speedup('stagedocs validate (warm)'),
    hookSeconds: seconds('stagedocs hook run (3 staged files)'),
    auditPackSeconds: seconds('stagedocs audit-pack (whole history)'),
    helpSeconds: seconds('stagedocs --help'),
    guardSeconds: seconds('stagedocs guard (pre-edit check)'),
    lspEditSeconds: seconds('stagedocs lsp: diagnostics after an edit'),
    peakMemoryMb: ours.length > 0 ? Math.max(...ours.map((row) => row.peakMb)) : undefined,
  };
}

/** How many times faster `row` is than the peer: "3.1x faster" or "0.5x (slower)". */
function ratio(peerSeconds, seconds) {
  const factor = peerSeconds / seconds;
  return factor >= 1 ? `${factor.toFixed(1)}x faster` : `${(1 / factor).toFixed(1)}x slower`;
}

function print(row) {
  if (row.na) console.log(`  ${row.label.padEnd(40)} ${row.na}`);
  else console.log(`  ${row.label.padEnd(40)} ${row.seconds.toFixed(3)} s  ${row.peakMb.toFixed(0)} MB${row.treePeakMb === undefined ? '' : ` (with git ${row.treePeakMb.toFixed(0)} MB)`}  (exit ${row.exitCode}, ${row.runs} run${row.runs > 1 ? 's' : ''})`);
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});

import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { validTree } from '../helpers/documents.js';
import { CLI, GIT_ENV, makeRepo, PROJECT_ROOT, runCli, tempDir } from '../helpers/repo.js';

// The Neovim recipe of docs/editors.md, run as written in a headless Neovim against a repository:
// the diagnostics of `stagedocs validate` arrive in `vim.diagnostic`. The recipe is read from the
// page itself, so the page shows what was run.
const version = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
const nvim = version.status === 0 ? /NVIM v(\d+)\.(\d+)/.exec(version.stdout) : null;
const skipReason = nvim ? '' : ' (skipped: nvim is not on PATH; `apt-get install neovim` runs it)';

/** The Lua blocks of the page's Neovim section: the `vim.lsp.start` recipe (0.8 and newer), nvim-lspconfig's, and the 0.7 one. */
function neovimRecipe(minor: number): string {
  const page = readFileSync(path.join(PROJECT_ROOT, 'docs/editors.md'), 'utf8');
  const section = page.slice(page.indexOf('## Neovim'), page.indexOf('## Helix'));
  const blocks = [...section.matchAll(/```lua\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const recipe = minor >= 8 ? blocks.find((block) => block.includes('vim.lsp.start({')) : blocks.find((block) => block.includes('vim.lsp.start_client('));
  if (!recipe) throw new Error(`docs/editors.md has no Neovim recipe for 0.${minor}`);
  return recipe;
}

/** Opens the file after the recipe is loaded, waits for diagnostics, and writes them (and the clients attached) as JSON. */
const CHECK = `
vim.cmd('edit ' .. vim.fn.fnameescape(os.getenv('CHECK_FILE')))
local arrived = vim.wait(40000, function() return #vim.diagnostic.get(0) > 0 end, 50)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local lsp = d.user_data and d.user_data.lsp or {}
  table.insert(found, { line = d.lnum + 1, column = d.col + 1, code = d.code or lsp.code, source = d.source or lsp.source, message = d.message })
end
local clients = {}
for _, client in pairs(vim.lsp.get_active_clients()) do table.insert(clients, client.name) end
local out = io.open(os.getenv('CHECK_OUT'), 'w')
out:write(vim.json.encode({ arrived = arrived, diagnostics = found, clients = clients }))
out:close()
vim.cmd('qa!')
`;

describe(`the Neovim recipe of docs/editors.md in a headless Neovim${skipReason}`, () => {
  it.skipIf(!nvim)('starts `npx --no-install stagedocs lsp` for a stage and shows the diagnostics validate reports', { timeout: 90_000 }, () => {
    const file = 'stages/mvp/01-skeleton.md';
    const tree = validTree();
    const broken = tree[file]!.replace('estimate: 2', 'estimat: 2');
    const repo = makeRepo({ ...tree, [file]: broken, 'stagedocs.config.yaml': 'rules: {}\n' });
    // stagedocs installed in the repository, as the recipe expects (`npm install -D stagedocs`): the
    // built package linked in, and its bin as npm makes it (an executable; dist/ is not one).
    mkdirSync(path.join(repo, 'node_modules/.bin'), { recursive: true });
    symlinkSync(PROJECT_ROOT, path.join(repo, 'node_modules/stagedocs'), 'dir');
    writeFileSync(path.join(repo, 'node_modules/.bin/stagedocs'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} "$@"\n`, { mode: 0o755 });
    writeFileSync(path.join(repo, 'package.json'), '{ "name": "fixture", "private": true }\n');

    const scripts = tempDir('stagedocs-nvim-');
    writeFileSync(path.join(scripts, 'recipe.lua'), neovimRecipe(Number(nvim![2])));
    writeFileSync(path.join(scripts, 'check.lua'), CHECK);
    const out = path.join(scripts, 'out.json');
    const run = spawnSync('nvim', ['--headless', '--clean', '-c', `luafile ${path.join(scripts, 'recipe.lua')}`, '-c', `luafile ${path.join(scripts, 'check.lua')}`], {
      cwd: repo,
      env: { ...GIT_ENV, CHECK_FILE: path.join(repo, file), CHECK_OUT: out, XDG_STATE_HOME: scripts, XDG_DATA_HOME: scripts },
      encoding: 'utf8',
      timeout: 80_000,
    });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const result = JSON.parse(readFileSync(out, 'utf8')) as { arrived: boolean; clients: string[]; diagnostics: Array<{ line: number; column: number; code: string; source: string; message: string }> };
    expect(result.clients).toEqual(['stagedocs']);
    expect(result.arrived).toBe(true);

    const report = JSON.parse(runCli(repo, ['validate', '--format', 'json']).stdout) as { diagnostics: Array<{ file: string; line: number; column: number; ruleId: string; message: string }> };
    const expected = report.diagnostics.filter((d) => d.file === file).map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`);
    expect(expected).toEqual(['9:1 frontmatter-schema Unknown key `estimat`']);
    expect(result.diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message.split('\n')[0]}`)).toEqual(expected);
    expect(result.diagnostics.every((d) => d.source === 'stagedocs')).toBe(true);
  });
});

import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CodeActionRequest,
  CompletionRequest,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  RegistrationRequest,
  ShutdownRequest,
  type CodeAction,
  type CompletionList,
  type Diagnostic,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CLI, GIT_ENV, makeRepo, runCli } from '../helpers/repo.js';
import { validTree } from '../helpers/documents.js';
import { initializeParams, startLspClient, type LspClient } from '../helpers/lsp-client.js';

const FILE = 'stages/mvp/01-skeleton.md';

/** The stage of validTree with `estimate` misspelled and the Rollback Plan section left out. */
function brokenStage(repo: string): string {
  const text = readFileSync(path.join(repo, FILE), 'utf8');
  return text.replace('estimate: 2', 'estimat: 2').replace(/## Rollback Plan\n[^#]*/, '');
}

/** What `validate --format json` reports for the file (FILE unless told), as line:column ruleId message. */
function validateSaved(tree: Record<string, string>, file = FILE): string[] {
  const repo = makeRepo(tree);
  const result = runCli(repo, ['validate', '--format', 'json']);
  const report = JSON.parse(result.stdout) as { diagnostics: Array<{ file: string; line: number; column: number; ruleId: string; message: string }> };
  return report.diagnostics.filter((d) => d.file === file).map((d) => `${d.line}:${d.column} ${d.ruleId} ${d.message}`);
}

/** Starts the built server in `repo` and initializes it; `watching` declares a client that watches files (dynamic registration). */
async function startServer(repo: string, watching = false): Promise<LspClient> {
  const client = startLspClient(process.execPath, [CLI, 'lsp'], { cwd: repo, env: GIT_ENV });
  clients.push(client);
  const { connection } = client;
  const registrations: unknown[] = [];
  connection.onRequest(RegistrationRequest.type, (params) => void registrations.push(...params.registrations));
  const params = initializeParams(pathToFileURL(repo).href);
  const capabilities = watching ? { ...params.capabilities, workspace: { didChangeWatchedFiles: { dynamicRegistration: true } } } : params.capabilities;
  await connection.sendRequest(InitializeRequest.type, { ...params, capabilities });
  await connection.sendNotification(InitializedNotification.type, {});
  return client;
}

async function stopServer(client: LspClient): Promise<void> {
  await client.connection.sendRequest(ShutdownRequest.type);
  await client.connection.sendNotification(ExitNotification.type);
  expect(await client.exited).toBe(0);
  expect(client.stderr()).toBe('');
}

const asReported = (diagnostics: Diagnostic[]) =>
  diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${String(d.code)} ${messageOf(d)}`).sort();

/** The message without the hint the server appends on its second line. */
const messageOf = (d: Diagnostic) => (typeof d.message === 'string' ? d.message : d.message.value).split('\n')[0];

const clients: LspClient[] = [];
afterAll(() => {
  for (const client of clients) client.child.kill();
});

describe('stagedocs lsp, spoken to by a real LSP client over stdio', () => {
  it('publishes the diagnostics of validate as the text is typed, hovers, completes, fixes, and exits cleanly', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    const uri = pathToFileURL(path.join(repo, FILE)).href;
    const client = startLspClient(process.execPath, [CLI, 'lsp', '--stdio'], { cwd: repo, env: GIT_ENV });
    clients.push(client);
    const { connection } = client;

    const init = await connection.sendRequest(InitializeRequest.type, initializeParams(pathToFileURL(repo).href));
    expect(init.capabilities).toMatchObject({ hoverProvider: true, codeActionProvider: expect.anything(), completionProvider: expect.anything() });
    await connection.sendNotification(InitializedNotification.type, {});

    // 1. Open a stage with a misspelled key and a missing section: the diagnostics of validate for that text saved.
    let document = TextDocument.create(uri, 'markdown', 1, brokenStage(repo));
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text: document.getText() } });
    const first = await client.diagnostics(uri, (d) => d.length > 0);
    const expected = validateSaved({ ...validTree(), [FILE]: document.getText() });
    // The title line (14) is where a missing section is reported; the key's line and column for the key.
    expect(expected.sort()).toEqual(['14:1 required-sections Missing required section `Rollback Plan`', '9:1 frontmatter-schema Unknown key `estimat`']);
    expect(asReported(first)).toEqual(expected);
    const misspelled = first.find((d) => d.code === 'frontmatter-schema')!;
    expect(misspelled).toMatchObject({
      source: 'stagedocs',
      severity: 1,
      range: { start: { line: 8, character: 0 }, end: { line: 8, character: 'estimat'.length } },
      codeDescription: { href: expect.stringMatching(/^file:.*\/docs\/rules\/frontmatter-schema\.md$/) },
    });
    expect(misspelled.message).toContain('Did you mean `estimate`?');
    // The nothing-saved promise: the file on disk is untouched.
    expect(readFileSync(path.join(repo, FILE), 'utf8')).not.toContain('estimat:');

    // 2. Hover: the schema's description of a key; the referenced phase's title on a reference.
    const hoverKey = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 6, character: 2 } });
    expect((hoverKey!.contents as MarkupContent).value).toContain('Where the stage stands.');
    expect((hoverKey!.contents as MarkupContent).value).toContain('`validating`: the work is done and its gates are being run');
    const phaseLine = document.getText().split('\n').findIndex((line) => line.startsWith('phase: '));
    const hoverRef = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: phaseLine, character: 8 } });
    expect((hoverRef!.contents as MarkupContent).value).toContain('**P1**: Phase P1');

    // 3. Completion: enum values with their explanation; known ids for a reference.
    const statusLine = document.getText().split('\n')[6]!;
    const statuses = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 6, character: statusLine.length } })) as CompletionList;
    expect(statuses.items.map((item) => item.label)).toEqual(['not-started']);
    const values = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 6, character: 'status: '.length } })) as CompletionList;
    expect(values.items.map((item) => item.label)).toEqual(['not-started', 'in-progress', 'validating', 'done', 'blocked']);
    const phases = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: phaseLine, character: 'phase: '.length } })) as CompletionList;
    expect(phases.items.map((item) => [item.label, item.detail])).toEqual([['P1', 'Phase P1']]);

    // 4. Code actions: apply each fix's edit, send the text, and the diagnostic is gone.
    const actions = (await connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: misspelled.range,
      context: { diagnostics: first },
    })) as CodeAction[];
    expect(actions.map((action) => action.title).sort()).toEqual(['Add the `## Rollback Plan` section', 'Change to `estimate`']);
    let version = 1;
    for (const action of actions) {
      const edits = action.edit!.changes![uri]!;
      const text = TextDocument.applyEdits(document, edits);
      document = TextDocument.create(uri, 'markdown', ++version, text);
      await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
    }
    expect(document.getText()).toContain('estimate: 2');
    expect(document.getText()).toMatch(/## Audit & Review Steps\n[^#]*## Rollback Plan\n\n## Versioning & Traceability/);
    const fixed = await client.diagnostics(uri, (d) => !d.some((x) => x.code === 'frontmatter-schema' || x.code === 'required-sections'));
    // The new section is empty, and empty-section says so: the fix adds the heading, the author the content.
    expect(fixed.map((d) => d.code)).toEqual(['empty-section']);

    // 5. Completion of keys: the keys the stage may still have, not the ones it has.
    const typed = document.getText().replace('owner: alice@example.com\n', 'owner: alice@example.com\ndep\n');
    document = TextDocument.create(uri, 'markdown', ++version, typed);
    await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text: typed }] });
    const depLine = typed.split('\n').indexOf('dep');
    const keys = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: depLine, character: 3 } })) as CompletionList;
    expect(keys.items.map((item) => item.label)).toEqual(['depends_on']);
    const anyKey = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: depLine, character: 0 } })) as CompletionList;
    expect(anyKey.items.map((item) => item.label).sort()).toEqual(['approvals', 'contracts', 'decision', 'decisions_resolved', 'depends_on', 'freeze', 'produces', 'production', 'protected', 'requires_decision', 'runs_on']);

    // 6. Close: its diagnostics are cleared; shutdown and exit end the process with 0.
    await connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
    expect(await client.diagnostics(uri, (d) => d.length === 0)).toEqual([]);
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    expect(await client.exited).toBe(0);
    expect(client.stderr()).toBe('');
  });

  it('checks a contract file as it is typed, with the gate fields in hover and completion', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    const uri = pathToFileURL(path.join(repo, 'contracts/api_v1.yaml')).href;
    const client = await startServer(repo);
    const { connection } = client;
    const text = 'contract_id: api_v2\ntitle: The API\nrequirements:\n  - id: stubs\n    type: no-stubs\n    include: ["src/**"]\n    max_rate: 0.05\n    \n';
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
    const found = await client.diagnostics(uri, (d) => d.length > 0);
    expect(asReported(found)).toEqual(['1:14 contract-reference `contract_id` is `api_v2`, expected `api_v1`, the file\'s name: stages name a contract by its file']);
    const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line: 6, character: 6 } });
    expect((hover!.contents as MarkupContent).value).toContain('max_rate');
    const keys = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: 7, character: 4 } })) as CompletionList;
    expect(keys.items.map((item) => item.label)).toEqual(expect.arrayContaining(['exclude', 'needs', 'severity', 'artifacts']));
    await stopServer(client);
  });

  it('sees the cross-file rules against the repository and the other open documents', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    const client = startLspClient(process.execPath, [CLI, 'lsp'], { cwd: repo, env: GIT_ENV });
    clients.push(client);
    const { connection } = client;
    await connection.sendRequest(InitializeRequest.type, initializeParams(pathToFileURL(repo).href));
    await connection.sendNotification(InitializedNotification.type, {});
    // A new stage, never saved, that depends on a stage only another unsaved document declares.
    const newStage = 'stages/mvp/02-data.md';
    const uri = pathToFileURL(path.join(repo, newStage)).href;
    const text = readFileSync(path.join(repo, FILE), 'utf8').replace(/P1-S01/g, 'P1-S02').replace('order: 1', 'order: 2').replace('estimate: 2', 'estimate: 2\ndepends_on: [P1-S09]');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text } });
    const unknown = await client.diagnostics(uri, (d) => d.length > 0);
    expect(unknown.map((d) => `${String(d.code)} ${messageOf(d)}`)).toEqual(['unknown-reference Stage `P1-S09` does not exist']);

    const otherUri = pathToFileURL(path.join(repo, 'stages/mvp/09-later.md')).href;
    const other = text.replace(/P1-S02/g, 'P1-S09').replace('order: 2', 'order: 9').replace('depends_on: [P1-S09]', 'depends_on: [P1-S01]');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: otherUri, languageId: 'markdown', version: 1, text: other } });
    expect(await client.diagnostics(uri, (d) => !d.some((x) => x.code === 'unknown-reference'))).not.toContainEqual(expect.objectContaining({ code: 'unknown-reference' }));

    // Closed, the other document is what is on disk again: nothing.
    await connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri: otherUri } });
    await client.diagnostics(uri, (d) => d.some((x) => x.code === 'unknown-reference'));

    // A file changed on disk is seen too: the configuration turns the rule off.
    const configUri = pathToFileURL(path.join(repo, 'stagedocs.config.yaml')).href;
    writeFileSync(path.join(repo, 'stagedocs.config.yaml'), 'rules:\n  unknown-reference: off\n');
    await connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: configUri, type: FileChangeType.Created }] });
    expect(await client.diagnostics(uri, (d) => !d.some((x) => x.code === 'unknown-reference'))).toEqual([]);

    // The open configuration is checked as it is typed, and explains itself on hover.
    const typo = 'rules:\n  unknown-reference: of\n';
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri: configUri, languageId: 'yaml', version: 1, text: typo } });
    const [configProblem] = await client.diagnostics(configUri, (d) => d.length > 0);
    expect(configProblem).toMatchObject({ source: 'stagedocs', range: { start: { line: 1, character: 21 } } });
    expect(messageOf(configProblem!)).toContain('`of`');
    const ruleHover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri: configUri }, position: { line: 1, character: 4 } });
    expect((ruleHover!.contents as MarkupContent).value).toContain('Settings of rule unknown-reference');
    const fixedConfig = 'rules:\n  unknown-reference: off\n';
    await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri: configUri, version: 2 }, contentChanges: [{ text: fixedConfig }] });
    expect(await client.diagnostics(configUri, (d) => d.length === 0)).toEqual([]);

    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    expect(await client.exited).toBe(0);
  });

  it('quotes a value YAML would read as a number, as the hint says', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    const client = startLspClient(process.execPath, [CLI, 'lsp'], { cwd: repo, env: GIT_ENV });
    clients.push(client);
    const { connection } = client;
    await connection.sendRequest(InitializeRequest.type, initializeParams(pathToFileURL(repo).href));
    await connection.sendNotification(InitializedNotification.type, {});
    const uri = pathToFileURL(path.join(repo, FILE)).href;
    const text = readFileSync(path.join(repo, FILE), 'utf8').replace('owner: alice@example.com', 'owner: 1.10');
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text } });
    const [number] = await client.diagnostics(uri, (d) => d.length > 0);
    expect(number).toMatchObject({ code: 'frontmatter-schema', range: { start: { line: 7, character: 7 }, end: { line: 7, character: 11 } } });
    const [quote] = (await connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range: number!.range, context: { diagnostics: [number!] } })) as CodeAction[];
    expect(quote!.title).toBe('Quote `1.10`');
    const quoted = TextDocument.applyEdits(TextDocument.create(uri, 'markdown', 1, text), quote!.edit!.changes![uri]!);
    expect(quoted).toContain('owner: "1.10"');
    await connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: quoted }] });
    expect(await client.diagnostics(uri, (d) => d.length === 0)).toEqual([]);
    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
    expect(await client.exited).toBe(0);
  });
  it('reports a cross-file problem an unsaved edit introduces exactly as validate reports it saved', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    const client = await startServer(repo);
    const uri = pathToFileURL(path.join(repo, FILE)).href;
    const saved = readFileSync(path.join(repo, FILE), 'utf8');
    await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text: saved } });
    expect(await client.diagnostics(uri)).toEqual([]);

    // The edit takes the id of the other stage (unique-id) and depends on a stage that does not exist
    // (unknown-reference): both are decided against the repository kept in memory.
    const edited = saved.replace('id: P1-S01', 'id: P1-S00').replace('estimate: 2', 'estimate: 2\ndepends_on: [P1-S07]');
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 2 }, contentChanges: [{ text: edited }] });
    const found = await client.diagnostics(uri, (d) => d.length > 0);
    const expected = validateSaved({ ...validTree(), [FILE]: edited });
    expect(expected.map((line) => line.split(' ')[1])).toEqual(expect.arrayContaining(['unique-id', 'unknown-reference']));
    expect(asReported(found)).toEqual(expected.sort());

    // Undone, the repository is as it was: nothing.
    await client.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version: 3 }, contentChanges: [{ text: saved }] });
    expect(await client.diagnostics(uri, (d) => d.length === 0)).toEqual([]);
    await stopServer(client);
  });

  it('sees a file another process changes on disk, with or without a file watcher in the client', { timeout: 90_000 }, async () => {
    const other = 'stages/mvp/00-foundation.md';
    for (const watching of [false, true]) {
      const repo = makeRepo(validTree());
      const client = await startServer(repo, watching);
      const uri = pathToFileURL(path.join(repo, FILE)).href;
      const saved = readFileSync(path.join(repo, FILE), 'utf8');
      await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'markdown', version: 1, text: saved } });
      expect(await client.diagnostics(uri)).toEqual([]);

      // Another process gives the other stage this stage's id; the open document is not edited.
      const changed = readFileSync(path.join(repo, other), 'utf8').replace('id: P1-S00', 'id: P1-S01');
      writeFileSync(path.join(repo, other), changed);
      const otherUri = pathToFileURL(path.join(repo, other)).href;
      // A watching client reports the change; without one, the server's own check of the disk finds it.
      if (watching) await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: otherUri, type: FileChangeType.Changed }] });
      const found = await client.diagnostics(uri, (d) => d.length > 0);
      const expected = validateSaved({ ...validTree(), [other]: changed });
      expect(expected.map((line) => line.split(' ')[1])).toContain('unique-id');
      expect(asReported(found)).toEqual(expected.sort());

      // Deleted on disk: the stage this one depends on is gone, as validate says.
      rmSync(path.join(repo, other));
      if (watching) await client.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes: [{ uri: otherUri, type: FileChangeType.Deleted }] });
      const gone = validateSaved(Object.fromEntries(Object.entries(validTree()).filter(([file]) => file !== other)));
      const afterDelete = await client.diagnostics(uri, (d) => asReported(d).join('\n') === [...gone].sort().join('\n'));
      expect(asReported(afterDelete)).toEqual(gone.sort());
      await stopServer(client);
    }
  });
});

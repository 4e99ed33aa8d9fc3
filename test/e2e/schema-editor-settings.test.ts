import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
} from 'vscode-languageserver-protocol';
import { initializeParams, startLspClient, type LspClient } from '../helpers/lsp-client.js';
import { GIT_ENV, makeRepo, PROJECT_ROOT, runCli } from '../helpers/repo.js';
import { validTree } from '../helpers/documents.js';

const SERVER = path.join(PROJECT_ROOT, 'node_modules/yaml-language-server/bin/yaml-language-server');

const clients: LspClient[] = [];
afterAll(() => {
  for (const client of clients) client.child.kill();
});

// `stagedocs schema` ends with the editor settings to paste: the `yaml.schemas` one is given, exactly
// as printed, to yaml-language-server (the server of VS Code's YAML extension, which resolves a
// relative schema path against the workspace folder), and it must then check the configuration file.
describe('the yaml.schemas setting `stagedocs schema` prints', () => {
  it('makes yaml-language-server check stagedocs.config.yaml and contract files against the written schemas', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    const printed = runCli(repo, ['schema']);
    expect(printed.code).toBe(0);
    const line = printed.stdout.split('\n').find((text) => text.trim().startsWith('"yaml.schemas"'));
    expect(line).toBeDefined();
    const setting = JSON.parse(`{${line!.trim().replace(/,$/, '')}}`) as { 'yaml.schemas': Record<string, string> };

    const client = startLspClient(process.execPath, [SERVER, '--stdio'], { cwd: repo, env: GIT_ENV });
    clients.push(client);
    const { connection } = client;
    const yaml = { schemas: setting['yaml.schemas'], validate: true, schemaStore: { enable: false } };
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => (item.section === 'yaml' ? yaml : null)));
    const params = initializeParams(pathToFileURL(repo).href);
    await connection.sendRequest(InitializeRequest.type, { ...params, capabilities: { ...params.capabilities, workspace: { configuration: true } } });
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { yaml } });

    const uri = pathToFileURL(path.join(repo, 'stagedocs.config.yaml')).href;
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text: 'rulez:\n  unknown-reference: off\n' } });
    const [problem] = await client.diagnostics(uri, (d) => d.length > 0);
    expect(problem).toMatchObject({ range: { start: { line: 0, character: 0 } } });
    expect(problem!.message).toContain('rulez');

    // A contract file is checked against the contract schema the same setting names.
    const contract = pathToFileURL(path.join(repo, 'contracts/api_v1.yaml')).href;
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: contract, languageId: 'yaml', version: 1, text: 'contract_id: api_v1\ntitle: The API\nrequirements:\n  - id: builds\n    runn: npm run build\n' },
    });
    const [typo] = await client.diagnostics(contract, (d) => d.length > 0);
    expect(typo).toMatchObject({ range: { start: { line: 4, character: 4 } } });
    expect(typo!.message).toContain('runn');

    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
  });
});

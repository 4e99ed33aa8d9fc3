import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CompletionRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializedNotification,
  InitializeRequest,
  ShutdownRequest,
  type CompletionList,
  type MarkupContent,
} from 'vscode-languageserver-protocol';
import { makeRepo, PROJECT_ROOT, runCli, GIT_ENV } from '../helpers/repo.js';
import { stage, validTree } from '../helpers/documents.js';
import { initializeParams, startLspClient, type LspClient } from '../helpers/lsp-client.js';

const SERVER = path.join(PROJECT_ROOT, 'node_modules/yaml-language-server/bin/yaml-language-server');

const clients: LspClient[] = [];
afterAll(() => {
  for (const client of clients) client.child.kill();
});

// What a user of the VS Code YAML extension (or any yaml-language-server client) gets from the schema
// `stagedocs schema` writes: the descriptions on hover, the enum values explained in completion.
describe('the written stage schema in yaml-language-server', () => {
  it('shows the descriptions on hover and the explained values in completion', { timeout: 60_000 }, async () => {
    const repo = makeRepo(validTree());
    expect(runCli(repo, ['schema']).code).toBe(0);
    const schemaUri = pathToFileURL(path.join(repo, '.stagedocs/schemas/stage.schema.json')).href;
    // The frontmatter of a stage, extracted into a YAML file.
    const frontmatter = /^---\n([\s\S]*?)\n---\n/.exec(stage({ id: 'P1-S01', order: 1 }))![1]!;
    const file = path.join(repo, 'frontmatter.yaml');
    // The schema is named in the settings, as the VS Code YAML extension's `yaml.schemas` does.
    writeFileSync(file, `${frontmatter}\n`);
    const uri = pathToFileURL(file).href;
    const settings = { yaml: { schemas: { [schemaUri]: ['**/frontmatter.yaml'] }, hover: true, completion: true, validate: true, schemaStore: { enable: false } } };

    const client = startLspClient(process.execPath, [SERVER, '--stdio'], { cwd: repo, env: GIT_ENV });
    clients.push(client);
    const { connection } = client;
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => (item.section === 'yaml' ? settings.yaml : null)));
    const params = initializeParams(pathToFileURL(repo).href);
    await connection.sendRequest(InitializeRequest.type, { ...params, capabilities: { ...params.capabilities, workspace: { configuration: true } } });
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidChangeConfigurationNotification.type, { settings });
    await connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text: `${frontmatter}\n` } });
    // Its diagnostics come once the schema is loaded: the frontmatter is valid.
    expect(await client.diagnostics(uri)).toEqual([]);

    const lines = frontmatter.split('\n');
    const hoverAt = async (key: string) => {
      const line = lines.findIndex((text) => text.startsWith(`${key}:`));
      const hover = await connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position: { line, character: 1 } });
      const contents = hover?.contents as MarkupContent | string | undefined;
      return typeof contents === 'string' ? contents : (contents?.value ?? '');
    };
    expect(await hoverAt('estimate')).toContain('The estimate in hours; a stage should fit in 1 to 4 hours');
    expect(await hoverAt('phase')).toContain('The id of the phase the stage belongs to.');
    expect(await hoverAt('status')).toContain('`validating`: the work is done and its gates are being run');

    const statusLine = lines.findIndex((text) => text.startsWith('status:'));
    const completion = (await connection.sendRequest(CompletionRequest.type, { textDocument: { uri }, position: { line: statusLine, character: 'status: '.length } })) as CompletionList;
    const blocked = completion.items.find((item) => item.label === 'blocked');
    expect(blocked).toBeDefined();
    const documentation = blocked!.documentation;
    expect(typeof documentation === 'string' ? documentation : documentation?.value).toContain('work cannot continue until something outside it changes');

    await connection.sendRequest(ShutdownRequest.type);
    await connection.sendNotification(ExitNotification.type);
  });
});

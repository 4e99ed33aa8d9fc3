import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { afterEach, describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { CLI, GIT_ENV, makeRepo, runCli } from '../helpers/repo.js';

const ENV = { ...GIT_ENV, STAGEDOCS_NOW: '2026-11-21T09:30:00Z' } as Record<string, string>;
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

/** The built `stagedocs mcp`, spawned by the SDK's own client in the repository. */
async function connect(dir: string): Promise<Client> {
  const client = new Client({ name: 'stagedocs-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command: process.execPath, args: [CLI, 'mcp'], cwd: dir, env: ENV, stderr: 'pipe' }));
  clients.push(client);
  return client;
}

function repo(): string {
  return makeRepo({
    'stages/mvp/phase.md': phase(),
    'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress' }),
    'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1, gates: 'gates:\n  - id: tests\n    run: "exit 1"' }),
  });
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as Array<{ type: string; text: string }>)[0]!.text;

describe('stagedocs mcp', () => {
  it('lists its tools with input schemas and read-only annotations', async () => {
    const client = await connect(repo());
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name).sort()).toEqual(['audit_pack', 'context', 'gate_run', 'new_decision', 'next', 'status', 'trace', 'validate']);
    const byName = new Map(tools.map((tool) => [tool.name, tool]));
    expect(byName.get('status')!.annotations).toMatchObject({ readOnlyHint: true });
    expect(byName.get('gate_run')!.annotations).toMatchObject({ readOnlyHint: false });
    expect(byName.get('gate_run')!.inputSchema).toMatchObject({ type: 'object', required: ['stage'] });
  });

  it('answers as the CLI does with --format json', async () => {
    const dir = repo();
    const client = await connect(dir);
    expect(JSON.parse(textOf(await client.callTool({ name: 'status', arguments: {} })))).toEqual(JSON.parse(runCli(dir, ['status', '--format', 'json']).stdout));
    expect(JSON.parse(textOf(await client.callTool({ name: 'status', arguments: { stage: 'P1-S01' } })))).toEqual(JSON.parse(runCli(dir, ['status', '--stage', 'P1-S01', '--format', 'json']).stdout));
    expect(JSON.parse(textOf(await client.callTool({ name: 'validate', arguments: {} })))).toEqual(JSON.parse(runCli(dir, ['validate', '--format', 'json']).stdout));
    expect(textOf(await client.callTool({ name: 'context', arguments: { stage: 'P1-S01' } }))).toBe(runCli(dir, ['context', 'P1-S01', '--format', 'json']).stdout);
    expect(textOf(await client.callTool({ name: 'context', arguments: { stage: 'P1-S01', format: 'md' } }))).toBe(runCli(dir, ['context', 'P1-S01']).stdout);
    expect(textOf(await client.callTool({ name: 'next', arguments: {} }))).toBe(runCli(dir, ['context', '--format', 'json']).stdout);
    expect(JSON.parse(textOf(await client.callTool({ name: 'trace', arguments: { stage: 'P1-S00' } })))).toEqual(JSON.parse(runCli(dir, ['trace', 'P1-S00', '--format', 'json']).stdout));
    const pack = await client.callTool({ name: 'audit_pack', arguments: { stages: ['P1-S00'], format: 'json' } });
    expect(JSON.parse(textOf(pack))).toEqual(JSON.parse(runCli(dir, ['audit-pack', 'P1-S00', '--format', 'json']).stdout));
  });

  it('keeps user text inert in every answer: C1 and bidi characters arrive as JSON escapes', async () => {
    // Text an attacker wrote, in a stage body and in a gate's output: U+009B is a one-byte CSI on some
    // terminals, U+202E reverses the rest of the line. JSON.stringify leaves both as they are.
    const dir = makeRepo({
      'stages/mvp/phase.md': phase(),
      'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'in-progress', gates: "gates:\n  - id: tests\n    run: \"printf '\\\\302\\\\23331m \\\\342\\\\200\\\\256evil'; exit 1\"" }).replace(
        '## Objectives\n',
        '## Objectives\n\nShip \u009b31m and \u202eevil.\n',
      ),
    });
    const client = await connect(dir);
    const answers = [
      textOf(await client.callTool({ name: 'context', arguments: { stage: 'P1-S00' } })),
      textOf(await client.callTool({ name: 'context', arguments: { stage: 'P1-S00', format: 'md' } })),
      textOf(await client.callTool({ name: 'gate_run', arguments: { stage: 'P1-S00' } })),
    ];
    for (const answer of answers) {
      expect(answer).not.toMatch(/[\u009b\u202e]/);
      expect(answer).toContain('\\u202e');
    }
    // The escapes are JSON's: the JSON answers parse to the text as written.
    expect(JSON.stringify(JSON.parse(answers[0]!))).toContain('\u202eevil');
    expect(JSON.stringify(JSON.parse(answers[2]!))).toContain('\u202eevil');
  });

  it('runs only declared gates, writes decisions, and reports errors as MCP tool errors', async () => {
    const dir = repo();
    const client = await connect(dir);
    const unknown = await client.callTool({ name: 'gate_run', arguments: { stage: 'P1-S00', gates: ['rm-rf'] } });
    expect(unknown.isError).toBe(true);
    expect(textOf(unknown)).toContain('Stage `P1-S00` has no gate `rm-rf`');
    expect(textOf(unknown)).toContain('hint: Its gates: tests.');
    const run = await client.callTool({ name: 'gate_run', arguments: { stage: 'P1-S00' } });
    expect(run.isError).toBeFalsy();
    const report = JSON.parse(textOf(run));
    expect(report).toMatchObject({ stage_id: 'P1-S00', overall_pass: true });
    expect(runCli(dir, ['registry', '--check']).code).toBe(0);
    const note = await client.callTool({ name: 'new_decision', arguments: { title: 'Retry with a fixed port', stages: ['P1-S00'], owner: 'bot@example.com' } });
    expect(JSON.parse(textOf(note))).toMatchObject({ tag: 'D-2026-11-21-001', file: 'decisions/D-2026-11-21-001.md', written: true });
    const missing = await client.callTool({ name: 'context', arguments: { stage: 'P9-S99' } });
    expect(missing.isError).toBe(true);
    expect(textOf(missing)).toBe(`error: No stage has the id \`P9-S99\`\nhint: ${runCli(dir, ['context', 'P9-S99']).stderr.split('hint: ')[1]!.trim()}`);
  });

  it('serves the documents and the registry as resources', async () => {
    const client = await connect(repo());
    const { resources } = await client.listResources();
    expect(resources.map((resource) => resource.uri)).toEqual(expect.arrayContaining(['stagedocs://registry', 'stagedocs://document/stages/mvp/00-foundation.md']));
    const read = await client.readResource({ uri: 'stagedocs://document/stages/mvp/00-foundation.md' });
    expect((read.contents[0] as { text: string }).text).toContain('id: P1-S00');
    await expect(client.readResource({ uri: 'stagedocs://document/package.json' })).rejects.toThrow(/not a stagedocs document/);
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { assess, stageStatus } from '../api/assess.js';
import { auditPack } from '../api/audit-pack.js';
import { DEFAULT_CONTEXT_MAX_CHARS, stageContext } from '../api/context.js';
import { newDecision } from '../api/new-decision.js';
import { runGates } from '../api/run-gates.js';
import type { StagedocsRoot } from '../api/root.js';
import { trace } from '../api/trace.js';
import { validate } from '../api/validate.js';
import { loadRepository } from '../engine/load-repository.js';
import type { Env } from '../git/exec.js';
import { StagedocsError, UsageError } from '../model/errors.js';
import { inertText } from '../util/text.js';
import { TOOL_VERSION } from '../util/version.js';

/** What the server works with: one repository, the environment of git and the gates, and a clock. */
interface McpOptions {
  root: StagedocsRoot;
  env: Env;
  /** The clock: the date of new decision notes and the time written into gate evidence. */
  now(): Date;
  nodeVersion?: string;
}

/** Audit packs fit a GitHub comment unless told otherwise, as `audit-pack` does. */
const PACK_MAX_CHARS = 65_536;

const stageId = z.string().min(1).max(200).describe('a stage id, e.g. P1-S03');

/**
 * The stagedocs MCP server: the library's verdicts as tools (the same JSON the CLI prints with
 * `--format json`), the documents and the gate registry as resources. A `StagedocsError` becomes a
 * tool error carrying its message and hint; nothing is written outside the repository.
 */
export function createServer(options: McpOptions): McpServer {
  const { root: located, env } = options;
  const root = located.root;
  const server = new McpServer({ name: 'stagedocs', version: TOOL_VERSION }, { capabilities: { tools: {}, resources: {} } });
  const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

  server.registerTool(
    'status',
    {
      title: 'Status',
      description:
        'Every phase and stage with its state, last gate run and next action (what `stagedocs status --format json` prints); with `stage`, that stage with each measured requirement across its runs (`status --stage <id> --format json`).',
      inputSchema: { stage: z.string().min(1).optional().describe("a stage id: its measured requirements' values across its runs instead of the whole table") },
      annotations: readOnly,
    },
    ({ stage }) => answer(async () => json(stage === undefined ? await assess({ root: located, env }) : await stageStatus({ root: located, env, stage }))),
  );

  server.registerTool(
    'next',
    {
      title: 'Next stage',
      description: 'The handoff of the next stage to work on (the first not done whose dependencies passed): what `stagedocs context --format json` prints.',
      inputSchema: { max_chars: z.number().int().min(200).optional().describe(`at most this many characters (default ${DEFAULT_CONTEXT_MAX_CHARS})`) },
      annotations: readOnly,
    },
    ({ max_chars }) => answer(async () => text((await stageContext({ root: located, env })).json(max_chars))),
  );

  server.registerTool(
    'context',
    {
      title: 'Stage context',
      description:
        "The working contract of a stage: phase goal and exit, objectives, acceptance criteria, gates with their commands, protected and agent-writable paths, upstream verdicts, runs and root causes, open questions, next action (`stagedocs context <id>`).",
      inputSchema: {
        stage: stageId.optional().describe('the stage (default: the next one to work on)'),
        format: z.enum(['json', 'md']).optional().describe('json (default) or md'),
        max_chars: z.number().int().min(200).optional().describe(`at most this many characters (default ${DEFAULT_CONTEXT_MAX_CHARS})`),
      },
      annotations: readOnly,
    },
    ({ stage, format, max_chars }) =>
      answer(async () => {
        const result = await stageContext({ root: located, env, stage });
        return text(format === 'md' ? result.markdown(max_chars) : result.json(max_chars));
      }),
  );

  server.registerTool(
    'validate',
    {
      title: 'Validate',
      description: 'Every rule over the repository (or the given repository-relative paths): what `stagedocs validate --format json` prints. An error count above 0 is a failed check, not a tool error.',
      inputSchema: { paths: z.array(z.string().min(1)).optional().describe('repository-relative files or folders to report on') },
      annotations: readOnly,
    },
    ({ paths }) =>
      answer(async () => {
        for (const given of paths ?? []) insideRepository(root, given);
        const result = await validate({ root: located, env, paths });
        return json({ diagnostics: result.diagnostics, errorCount: result.errorCount, warningCount: result.warningCount, fileCount: result.fileCount });
      }),
  );

  server.registerTool(
    'gate_run',
    {
      title: 'Run gates',
      description:
        "Runs the gates a stage declares (all, or the named ones), writes the evidence folder and appends the gate registry, as `stagedocs gate run` does; refused runs (a failed last run without a decision note, missing freeze, unmet dependencies) are tool errors. Returns the run's report.json.",
      inputSchema: {
        stage: stageId,
        gates: z.array(z.string().min(1)).optional().describe('only these of its declared gates (such a run does not count as the stage passing)'),
        decision: z.string().min(1).optional().describe('the decision note behind this attempt; required after a failed run'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    },
    ({ stage, gates, decision }) =>
      answer(async () => {
        const outcome = await runGates({ root: located, env, stage, gates, decision, now: options.now, nodeVersion: options.nodeVersion });
        return { ...json(outcome.report), isError: false };
      }),
  );

  server.registerTool(
    'new_decision',
    {
      title: 'New decision note',
      description:
        'Scaffolds decisions/D-YYYY-MM-DD-NNN.md (today, the next free number) as `stagedocs new-decision` does. With rerun_of (a gate run id) the note has a Root cause section to fill in before the rerun.',
      inputSchema: {
        title: z.string().min(1).max(200),
        stages: z.array(stageId).optional().describe('the stages the decision is about'),
        supersedes: z.string().min(1).optional().describe('the decision tag this one replaces'),
        rerun_of: z.string().min(1).optional().describe('the failed gate run (gate_results/<run-id>/) this rerun answers'),
        owner: z.string().min(1).optional().describe('default: git config user.email'),
        dry_run: z.boolean().optional().describe('plan only, write nothing'),
      },
      annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    },
    ({ title, stages, supersedes, rerun_of, owner, dry_run }) =>
      answer(async () => json(await newDecision({ root: located, env, title, stages, supersedes, rerunOf: rerun_of, owner, date: options.now(), dryRun: dry_run }))),
  );

  server.registerTool(
    'trace',
    { title: 'Trace', description: 'The commits, gate runs and tags that touched a stage (`stagedocs trace --format json`).', inputSchema: { stage: stageId }, annotations: readOnly },
    ({ stage }) => answer(async () => json(await trace({ root: located, env, stage }))),
  );

  server.registerTool(
    'audit_pack',
    {
      title: 'Audit pack',
      description: 'The audit pack of the given stages, or of every stage changed since base (`stagedocs audit-pack`): markdown (default) or the pack as JSON.',
      inputSchema: {
        stages: z.array(stageId).optional(),
        base: z.string().min(1).optional().describe('report on every stage changed since this ref'),
        head: z.string().min(1).optional(),
        format: z.enum(['md', 'json']).optional(),
        max_chars: z.number().int().min(1000).optional().describe(`at most this many characters of markdown (default ${PACK_MAX_CHARS})`),
      },
      annotations: readOnly,
    },
    ({ stages, base, head, format, max_chars }) =>
      answer(async () => {
        const result = await auditPack({ root: located, env, stages, base, head });
        return text(format === 'json' ? `${JSON.stringify(result.pack, null, 2)}\n` : await result.render(max_chars ?? PACK_MAX_CHARS));
      }),
  );

  server.registerResource(
    'registry',
    'stagedocs://registry',
    { title: 'Gate registry', description: 'gate_results/gate_registry.csv: one row per gate run, append-only', mimeType: 'text/csv' },
    async (uri) => {
      const { config } = await loadRepository(root);
      const file = path.join(root, config.paths.gate_results, 'gate_registry.csv');
      let content = '';
      try {
        content = readFileSync(file, 'utf8');
      } catch {
        // No run yet: an empty registry.
      }
      return { contents: [{ uri: uri.href, mimeType: 'text/csv', text: content }] };
    },
  );

  server.registerResource(
    'document',
    new ResourceTemplate('stagedocs://document/{+path}', {
      list: async () => {
        const { model } = await loadRepository(root);
        return {
          resources: model.documents.map((doc) => ({
            uri: `stagedocs://document/${doc.file}`,
            name: doc.file,
            mimeType: doc.file.endsWith('.json') ? 'application/json' : 'text/markdown',
            description: `${doc.kind ?? 'document'} ${String(doc.data?.id ?? doc.data?.decision_tag ?? doc.data?.stage ?? '')}`.trim(),
          })),
        };
      },
    }),
    { title: 'Documents', description: 'The phases, stages, decision notes and freeze files of the repository' },
    async (uri, variables) => {
      const wanted = String(Array.isArray(variables.path) ? variables.path.join('/') : variables.path);
      const { model } = await loadRepository(root);
      // Only documents are served: never another file, and never one outside the repository. A resource
      // is the file's own text, byte for byte (an agent edits from it), so it is not passed through inertText.
      const doc = model.documents.find((candidate) => candidate.file === wanted);
      if (!doc) throw new UsageError(`\`${wanted}\` is not a stagedocs document`, 'List the resources to see the documents.');
      return { contents: [{ uri: uri.href, mimeType: doc.file.endsWith('.json') ? 'application/json' : 'text/markdown', text: readFileSync(path.join(root, doc.file), 'utf8') }] };
    },
  );

  return server;
}

/** Expected failures become tool errors with the message and the hint; anything else is a bug and propagates. */
async function answer(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof StagedocsError)) throw error;
    const hint = error.hint ? `\nhint: ${error.hint}` : '';
    return { ...text(`error: ${error.message}${hint}`), isError: true, _meta: { exitCode: error.exitCode } };
  }
}

function json(value: unknown): CallToolResult {
  return text(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Every answer passes through inertText: titles, gate output and error messages are user text, and an
 * agent's client may show them in a terminal. Its escapes are JSON's, so a JSON answer parses to the
 * same value.
 */
function text(value: string): CallToolResult {
  return { content: [{ type: 'text', text: inertText(value) }] };
}

function insideRepository(root: string, given: string): void {
  const relative = path.relative(root, path.resolve(root, given));
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new UsageError(`Path \`${given}\` is outside the repository`, 'Give repository-relative paths.');
  }
}

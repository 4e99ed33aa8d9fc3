import type { CommandEntry } from '../command.js';

/**
 * Every command, in the order `--help` lists them (the product brief's order). Only the module of
 * the command being run is imported; the others are known by name, usage and summary alone.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'init', usage: '[options]', summary: 'set up stagedocs in a git repository', load: () => import('./init.js') },
  { name: 'new-phase', usage: '[options] <slug>', summary: 'scaffold a phase and all the stages of a pattern', load: () => import('./new-phase.js') },
  { name: 'new-stage', usage: '[options] [title]', summary: 'scaffold the next stage of a phase', load: () => import('./new-stage.js') },
  { name: 'new-decision', usage: '[options] [title]', summary: 'scaffold a decision note with a fresh decision tag', load: () => import('./new-decision.js') },
  { name: 'freeze', usage: '[options] <stage-id>', summary: "write a stage's freeze file, hashing its inputs (never overwrites)", load: () => import('./freeze.js') },
  { name: 'validate', usage: '[options] [paths...]', summary: 'validate phases, stages, decision notes and freeze files', load: () => import('./validate.js') },
  { name: 'gate', usage: '', summary: "run a stage's gates and record the evidence", load: () => import('./gate.js') },
  { name: 'registry', usage: '[options]', summary: 'rebuild gate_results/gate_registry.csv from the reports, or --check it', load: () => import('./registry.js') },
  { name: 'status', usage: '[options]', summary: 'the progress of every phase and stage, with next actions and blockers', load: () => import('./status.js') },
  { name: 'audit-pack', usage: '[options] [stage-ids...]', summary: 'render the audit pack of changed (or given) stages, for pull requests', load: () => import('./audit-pack.js') },
  { name: 'sign-off', usage: '[options] <id>', summary: 'check that a stage may close and create its annotated git tag', load: () => import('./sign-off.js') },
  { name: 'approve', usage: '[options] <id>', summary: "record your approval of a stage or phase (an annotated tag; sign-off needs its approvals' quorum)", load: () => import('./approve.js') },
  { name: 'trace', usage: '[options] <stage-id>', summary: 'the commits, gate runs and tags that touched a stage', load: () => import('./trace.js') },
  { name: 'hook', usage: '', summary: 'install, remove or run the pre-commit hook', load: () => import('./hook.js') },
  { name: 'context', usage: '[options] [stage-id]', summary: 'the working contract of a stage (or the next one), for a person or an agent picking up the work', load: () => import('./context.js') },
  { name: 'guard', usage: '[options]', summary: 'a pre-edit check for agent hooks: refuses edits to protected paths of open stages and phases', load: () => import('./guard.js') },
  { name: 'mcp', usage: '', summary: 'a Model Context Protocol server over stdio: the same verdicts, for agents', load: () => import('./mcp.js') },
  { name: 'agents', usage: '', summary: 'update the instruction files, commands and hooks of the coding agents (init --agents)', load: () => import('./agents.js') },
  { name: 'schema', usage: '[options]', summary: 'write the JSON Schemas of every document kind, for editors', load: () => import('./schema.js') },
  { name: 'lsp', usage: '[options]', summary: 'a language server: diagnostics as you type, hover, completion, quick fixes', load: () => import('./lsp.js') },
];

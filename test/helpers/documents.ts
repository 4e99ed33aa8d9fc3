/** Builders of valid documents for tests; each test changes only what it is about. */

export interface StageOptions {
  id?: string;
  phase?: string;
  order?: number;
  status?: string;
  extra?: string;
  body?: string;
  gates?: string;
}

export const STAGE_SECTIONS = `## Objectives
- Serve the resource API.

## Deliverables
- \`src/api.ts\` with the handlers.

## Acceptance Criteria
- \`npm test\` exits 0.

## Audit & Review Steps
- Read the gate run's \`report.md\`.

## Rollback Plan
Revert the merge commit.

## Versioning & Traceability
Tagged on sign-off.
`;

export function stage(options: StageOptions = {}): string {
  const id = options.id ?? 'P1-S00';
  return `---
id: ${id}
kind: stage
title: Stage ${id}
phase: ${options.phase ?? 'P1'}
order: ${options.order ?? 0}
status: ${options.status ?? 'not-started'}
owner: alice@example.com
estimate: 2
${options.gates ?? 'gates:\n  - id: tests\n    run: "true"'}
${options.extra ?? ''}---
# ${id}

${options.body ?? STAGE_SECTIONS}`;
}

export function phase(options: { id?: string; status?: string; extra?: string } = {}): string {
  const id = options.id ?? 'P1';
  return `---
id: ${id}
kind: phase
title: Phase ${id}
status: ${options.status ?? 'in-progress'}
owner: alice@example.com
${options.extra ?? ''}---
# ${id}

## Goal
Deliver the MVP backend.

## Exit Definition
- Every stage signed off.
`;
}

export function decision(options: { tag?: string; extra?: string; body?: string } = {}): string {
  return `---
decision_tag: ${options.tag ?? 'D-2026-11-21-001'}
kind: decision
title: Use PostgreSQL
owner: alice@example.com
date: "2026-11-21"
status: accepted
${options.extra ?? ''}---
# Use PostgreSQL

${options.body ?? '## Context\nWe need a store.\n\n## Decision\nPostgreSQL 16.\n\n## Consequences\nOne more service to run.\n'}`;
}

/** A valid repository: a phase and two stages. */
export function validTree(): Record<string, string> {
  return {
    'stages/mvp/phase.md': phase(),
    'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0 }),
    'stages/mvp/01-skeleton.md': stage({ id: 'P1-S01', order: 1 }),
  };
}

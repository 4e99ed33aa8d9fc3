import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { markdownBlockquote } from '../../src/render/escape.js';
import { PROJECT_ROOT } from '../helpers/repo.js';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

const action = parse(readFileSync(path.join(PROJECT_ROOT, 'action.yml'), 'utf8')) as { runs: { using: string; steps: Step[] } };

describe('action.yml', () => {
  it('is a composite action that checks out full history and runs what the docs say', () => {
    expect(action.runs.using).toBe('composite');
    const checkout = action.runs.steps.find((step) => step.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.['fetch-depth']).toBe(0);
    const scripts = action.runs.steps.map((step) => step.run ?? '').join('\n');
    expect(scripts).toContain('validate --range "$BASE..$HEAD" --format github');
    expect(scripts).toContain('audit-pack "${range[@]}" --max-chars "$MAX_CHARS" --link-base "$LINK_BASE" --out "$file"');
    expect(scripts).toContain('"$STAGEDOCS_NODE" "$POST_COMMENT"');
    expect(existsSync(path.join(PROJECT_ROOT, 'dist/github/post-comment.js'))).toBe(true);
  });

  it('never pastes expressions into scripts (no script injection) and never runs gates', () => {
    for (const step of action.runs.steps) {
      expect(step.run ?? '').not.toContain('${{');
      expect(step.run ?? '').not.toMatch(/gate run/);
    }
  });
});

describe('markdownBlockquote link schemes', () => {
  it('disarms javascript: in inline links and in link reference definitions', () => {
    const quoted = markdownBlockquote('[a](javascript:alert(1))\n[b]: javascript:alert(2)\n[c]:  DATA:text/html,x');
    expect(quoted).not.toMatch(/javascript:|data:/i);
    // Brackets are escaped too, so that no link, image or reference definition forms at all.
    expect(quoted).toBe('> \\[a\\](#unsafe-link:alert(1))\n> \\[b\\]: #unsafe-link:alert(2)\n> \\[c\\]: #unsafe-link:text/html,x');
  });
});

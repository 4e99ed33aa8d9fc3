import { describe, expect, it } from 'vitest';
import { phase, stage } from '../helpers/documents.js';
import { runFolder, runReport } from '../helpers/evidence.js';
import { git, makeRepo, runCli } from '../helpers/repo.js';

describe('sign-off tags in another format', () => {
  it('are found by status whether or not the format has a `/` after its fixed part', () => {
    for (const [format, tag] of [
      ['signed-{stage}', 'signed-P1-S00'],
      ['release/{stage}', 'release/P1-S00'],
      ['x/y-{stage}-ok', 'x/y-P1-S00-ok'],
    ] as const) {
      const dir = makeRepo({
        'stagedocs.config.yaml': `tags:\n  sign_off: ${format}\n`,
        'stages/mvp/phase.md': phase(),
        'stages/mvp/00-foundation.md': stage({ id: 'P1-S00', order: 0, status: 'done' }),
        ...runFolder(runReport({ stage: 'P1-S00', at: '20261120T090000Z', pass: true })),
      });
      // Tags beside it that only share part of the name are not sign-offs.
      // A sign-off counts only as the annotated tag `stagedocs sign-off` writes: its message signs off the stage.
      git(dir, 'tag', '-a', tag, '-m', 'stagedocs sign-off of stage P1-S00', '-m', 'stage: P1-S00');
      git(dir, 'tag', '-a', `${tag}x`, '-m', 'not a sign-off of P1-S00');
      git(dir, 'tag', '-a', 'signed', '-m', 'unrelated');
      const result = runCli(dir, ['status']);
      expect(result.stderr).toBe('');
      expect(result.stdout, format).toContain(`-> signed off: tag ${tag}\n`);
    }
  });
});

#!/bin/sh
# stagedocs gate run P2-S01: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate verdict-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/verdict.test.ts test/e2e/git-sign-off.test.ts test/e2e/gate-run.test.ts test/e2e/evidence-rules.test.ts test/rules'

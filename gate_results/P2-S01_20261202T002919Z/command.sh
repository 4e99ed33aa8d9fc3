#!/bin/sh
# stagedocs gate run P2-S01: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate verdict-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/verdict.test.ts test/e2e/verdict-property.test.ts test/e2e/git-sign-off.test.ts test/e2e/gate-run.test.ts test/e2e/evidence-rules.test.ts test/e2e/forged-cache.test.ts test/e2e/cache-location.test.ts test/e2e/protected-range.test.ts test/e2e/rule-repairs.test.ts test/rules'

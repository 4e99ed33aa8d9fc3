#!/bin/sh
# stagedocs gate run P2-S07: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate scale-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/runs-on.test.ts test/e2e/gate-plan.test.ts test/e2e/scale-merge.test.ts'

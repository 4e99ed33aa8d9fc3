#!/bin/sh
# stagedocs gate run P2-S06: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate contract-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/phase-contract.test.ts test/e2e/freeze-guard.test.ts test/e2e/protected-range.test.ts test/e2e/git-hook.test.ts test/e2e/sub-stage.test.ts test/e2e/scaffold-patterns.test.ts test/rules'

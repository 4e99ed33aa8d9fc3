#!/bin/sh
# stagedocs gate run P2-S08: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate outcome-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/contracts.test.ts test/unit/contracts.test.ts test/e2e/gate-types.test.ts test/e2e/gate-needs-artifacts.test.ts test/e2e/outcome-contract.test.ts test/e2e/approvals.test.ts test/e2e/trends.test.ts test/unit/trends.test.ts'

#!/bin/sh
# stagedocs gate run P2-S03: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate client-tests (run, blocking, timeout 1800s)
sh -c 'npx vitest run test/e2e/sarif.test.ts test/e2e/github-annotations.test.ts test/unit/github-annotations.test.ts test/e2e/pre-commit-framework.test.ts test/e2e/action.test.ts test/unit/action-yml.test.ts test/e2e/audit-pack-review.test.ts test/e2e/audit-pack.test.ts'

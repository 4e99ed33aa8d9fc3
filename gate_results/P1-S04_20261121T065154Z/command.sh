#!/bin/sh
# stagedocs gate run P1-S04: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate audit-tests (run, blocking, timeout 900s)
sh -c 'npx vitest run test/e2e/audit-pack.test.ts test/e2e/status.test.ts test/e2e/action.test.ts test/github test/unit'

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

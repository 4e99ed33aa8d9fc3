#!/bin/sh
# stagedocs gate run P1-S03: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate git-tests (run, blocking, timeout 900s)
sh -c 'npx vitest run test/e2e/git-hook.test.ts test/e2e/git-history.test.ts test/e2e/git-sign-off.test.ts test/git'

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

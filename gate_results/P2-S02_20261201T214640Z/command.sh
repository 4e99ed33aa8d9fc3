#!/bin/sh
# stagedocs gate run P2-S02: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate hostile-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/hostile-parse.test.ts test/e2e/hostile-gates.test.ts test/parse test/gates'

#!/bin/sh
# stagedocs gate run P1-S02: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate gate-tests (run, blocking, timeout 900s)
sh -c 'npx vitest run test/e2e/gate-run.test.ts test/e2e/freeze.test.ts test/e2e/registry.test.ts test/e2e/evidence-rules.test.ts test/gates'

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

#!/bin/sh
# stagedocs gate run P1-S01: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate scaffold-tests (run, blocking, timeout 900s)
sh -c 'npx vitest run test/e2e/scaffold.test.ts test/e2e/scaffold-output.test.ts test/e2e/scaffold-patterns.test.ts test/scaffold test/cli test/render'

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

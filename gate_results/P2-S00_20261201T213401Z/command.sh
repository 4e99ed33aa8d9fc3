#!/bin/sh
# stagedocs gate run P2-S00: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate architecture-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/unit/layers.test.ts test/unit/package.test.ts test/e2e/package-api.test.ts test/e2e/subfolder-root.test.ts test/engine test/cli'

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

#!/bin/sh
# stagedocs gate run P1-S00: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate typecheck-and-tests (run, blocking, timeout 900s)
sh -c 'npm run typecheck && npx vitest run test/e2e/validate.test.ts test/e2e/validate-cache.test.ts test/e2e/validate-workers.test.ts test/e2e/malformed-input.test.ts test/e2e/rule-fixtures.test.ts test/e2e/schema.test.ts test/rules test/parse test/engine'

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

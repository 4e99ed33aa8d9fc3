#!/bin/sh
# stagedocs gate run P2-S02: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate hostile-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/e2e/hostile-parse.test.ts test/e2e/hostile-gates.test.ts test/e2e/fs-faults.test.ts test/e2e/line-endings.test.ts test/e2e/path-inside-repository.test.ts test/e2e/inert-output.test.ts test/e2e/scaffold-concurrency.test.ts test/e2e/shallow-history.test.ts test/e2e/template-overrides.test.ts test/properties test/parse test/gates'

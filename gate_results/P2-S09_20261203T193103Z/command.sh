#!/bin/sh
# stagedocs gate run P2-S09: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate cache-behaviour-tests (run, blocking, timeout 1200s)
sh -c 'npx vitest run test/engine test/e2e/validate-cache.test.ts test/e2e/validate-cache-details.test.ts test/e2e/validate-cache-ranges.test.ts test/e2e/evidence-cache.test.ts test/e2e/forged-cache.test.ts test/e2e/cache-location.test.ts test/e2e/audit-pack.test.ts test/e2e/validate-cache-delta.test.ts test/unit/builtin-contracts.test.ts test/unit/model-lookups.test.ts test/e2e/freeze-guard.test.ts test/unit/inside-root.test.ts test/e2e/path-inside-repository.test.ts test/unit/read-trace.test.ts test/e2e/git-hook.test.ts test/e2e/protected-range.test.ts test/gates/csv.test.ts test/unit/parse-fast-paths.test.ts test/parse'

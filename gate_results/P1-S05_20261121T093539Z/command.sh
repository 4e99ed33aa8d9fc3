#!/bin/sh
# stagedocs gate run P1-S05: the commands, in order, as run from the repository root.
cd "$(git rev-parse --show-toplevel)" || exit 2

# gate build (run, blocking, timeout 300s)
sh -c 'npm run build'

# gate cold-vs-markdownlint (metric, blocking, timeout 1800s)
sh -c 'node bench/run.mjs --sizes 5000 --runs 5 --no-remark'

# gate warm-vs-markdownlint (metric, blocking, timeout 600s)
# measured by stagedocs: no command

# gate hook-3-staged-files (metric, blocking, timeout 600s)
# measured by stagedocs: no command

# gate audit-pack-whole-history (metric, blocking, timeout 600s)
# measured by stagedocs: no command

# gate help (metric, blocking, timeout 600s)
# measured by stagedocs: no command

# gate peak-memory (metric, blocking, timeout 600s)
# measured by stagedocs: no command

# gate no-stubs (no-stubs, blocking, timeout 600s)
# measured by stagedocs: no command

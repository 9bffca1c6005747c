#!/usr/bin/env bash
# chain-fanout (shared/bench-peers) with the Alavida mesh added as one more system, in the same run.sh invocation.
#
#   bench/run-mesh.sh [N]                                  default: raw-floor wolverine wolverine-ado alavida-mesh, N=1000
#   SYSTEMS="raw-floor wolverine alavida-mesh alavida-mesh-plain" RUNS=3 bench/run-mesh.sh 1000
#   BENCH_PEERS=/path/to/bench-peers bench/run-mesh.sh    where the peers live (default: ../shared/bench-peers)
#
# alavida-mesh runs each stage's SQL in a database step (RunInTransaction); alavida-mesh-plain in Run + SendEvent.
# The peers' folder may be read-only: it is copied to a temp folder, results stay there (path printed at the end).
set -euo pipefail
source "$(dirname "$0")/mesh-peers.sh" bench

export SYSTEMS=${SYSTEMS:-"raw-floor wolverine wolverine-ado alavida-mesh"}
cd "$work/bench-peers"
./run.sh "${1:-1000}"
for log in results/*/alavida-mesh*.log; do
  grep -hE "^(STEP_OVERHEAD_MS|BATCH_COMMIT_MS|BATCH_SIZE)" "$log" | sed "s|^|$log: |" || true
done
echo "results: $work/bench-peers/results"

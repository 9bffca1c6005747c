#!/usr/bin/env bash
# chain-fanout (shared/bench-peers) with the Alavida mesh added as one more system, in the same run.sh invocation.
#
#   bench/run-mesh.sh [N]                                  default: raw-floor wolverine wolverine-ado alavida-mesh, N=1000
#   alavida-mesh runs each stage's SQL in a database step (RunInTransaction); alavida-mesh-plain in Run + SendEvent
#   SYSTEMS="raw-floor wolverine alavida-mesh" RUNS=3 bench/run-mesh.sh 1000
#   BENCH_PEERS=/path/to/bench-peers bench/run-mesh.sh    where the peers live (default: ../shared/bench-peers)
#
# The peers' folder may be read-only: it is copied to a temp folder, results stay there (path printed at the end).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
peers=${BENCH_PEERS:-$repo/../shared/bench-peers}
work=$(mktemp -d /tmp/alavida-bench.XXXXXX)
chmod 755 "$work"   # the postgres user starts its server from inside
cp -r "$peers" "$work/bench-peers"
chmod -R u+w "$work/bench-peers"

echo "== build Bench.Mesh (Release)"
dotnet build "$repo/bench/Bench.Mesh/Bench.Mesh.csproj" -c Release -nologo -v q -p:BenchPeersDir="$work/bench-peers" >"$work/mesh-build.log" 2>&1 \
  || { tail -40 "$work/mesh-build.log"; exit 1; }

export BENCH_CMD_alavida_mesh="dotnet $repo/bench/Bench.Mesh/bin/Release/net10.0/Bench.Mesh.dll"
export BENCH_CMD_alavida_mesh_plain="dotnet $repo/bench/Bench.Mesh/bin/Release/net10.0/Bench.Mesh.dll --opt steps=plain"
export SYSTEMS=${SYSTEMS:-"raw-floor wolverine wolverine-ado alavida-mesh"}
cd "$work/bench-peers"
./run.sh "${1:-1000}"
for log in results/*/alavida-mesh*.log; do
  grep -hE "^(STEP_OVERHEAD_MS|BATCH_COMMIT_MS|BATCH_SIZE)" "$log" | sed "s|^|$log: |" || true
done
echo "results: $work/bench-peers/results"

#!/usr/bin/env bash
# The peers' durability check (shared/bench-peers/crash.sh) for the Alavida mesh: SIGKILL mid-run, restart on the same
# database, require the chain to complete with N rows per table and the right checksum.
#
#   bench/crash-mesh.sh [N] [CRASH_AT]                     default: SYSTEMS="alavida-mesh alavida-mesh-plain", N=1000
#   BENCH_PEERS=/path/to/bench-peers bench/crash-mesh.sh  where the peers live (default: ../shared/bench-peers)
#
# The copy's crash.sh gets `*) return 1 ;;` in its dll_for case, without which it cannot run a system added through
# BENCH_CMD_X (the shared folder itself is never edited).
set -euo pipefail
source "$(dirname "$0")/mesh-peers.sh" crash
sed -i 's|^\(    hangfire\*)  echo "src/Bench.Hangfire/bin/Release/net10.0/Bench.Hangfire.dll" ;;\)$|\1\n    *) return 1 ;;|' "$work/bench-peers/crash.sh"
grep -q '^    \*) return 1 ;;' "$work/bench-peers/crash.sh" || { echo "could not patch dll_for in crash.sh" >&2; exit 1; }

export SYSTEMS=${SYSTEMS:-"alavida-mesh alavida-mesh-plain"}
cd "$work/bench-peers"
rc=0
./crash.sh "$@" || rc=$?
echo "results: $work/bench-peers/results"
exit $rc

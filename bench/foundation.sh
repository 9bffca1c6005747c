#!/usr/bin/env bash
# Foundation benchmark: cold start to healthy (first start with initdb + migrations, then a restart on existing data),
# idle RSS of the single process, and the wall time of the test suite. Prints a Markdown block for docs/benchmarks.md.
#   bench/foundation.sh            # everything
#   SKIP_TESTS=1 bench/foundation.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

port=18080
work=$(mktemp -d)
chmod 755 "$work"   # the local PostgreSQL runs as the postgres user and must reach its folder
dll=src/Silo/bin/Release/net10.0/Alavida.Silo.dll
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

dotnet build -c Release src/Silo/Silo.csproj -v q -nologo >/dev/null

now() { date +%s.%N; }
start_until_healthy() {   # sets $elapsed: seconds from launch to the first 200 from /health
  local t0; t0=$(now)
  dotnet "$dll" --Urls="http://127.0.0.1:$port" --Alavida:LocalPostgresDirectory="$work/pg" \
    --Orleans:SiloPort=21111 --Orleans:GatewayPort=23000 --Orleans:ClusterId=bench >"$work/host.log" 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { echo "host exited; log:" >&2; tail -20 "$work/host.log" >&2; exit 1; }
    sleep 0.05
  done
  elapsed=$(echo "$(now) - $t0" | bc)
}
stop_host() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
pg_rss_mb() { ps -o rss= -u postgres | awk '{s+=$1} END {printf "%.0f", s/1024}'; }

start_until_healthy; first=$elapsed; stop_host
start_until_healthy; warm=$elapsed
sleep 15   # idle: let start-up garbage settle and timers run a few cycles
kill -0 "$pid" 2>/dev/null || { echo "host exited while idle; log:" >&2; tail -20 "$work/host.log" >&2; exit 1; }
rss=$(rss_mb "$pid"); pgrss=$(pg_rss_mb)
curl -s "http://127.0.0.1:$port/health" >/dev/null
stop_host

tests="(skipped)"
if [[ -z "${SKIP_TESTS:-}" ]]; then
  dotnet build Alavida.sln -v q -nologo >/dev/null
  t0=$(now); dotnet test Alavida.sln --no-build -v q -nologo >"$work/test.log" 2>&1; t1=$(now)
  tests="$(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s ($(grep -E '^(Passed|Failed)!' "$work/test.log" | sed 's/ - Alavida.*//'))"
fi

cat <<MD
Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(date -u +%Y-%m-%d) · commit $(git rev-parse --short HEAD)
Command: \`bench/foundation.sh\`

| Measure | Value |
|---|---|
| Cold start to healthy, first run (initdb + migrations + silo) | $(printf '%.2f' "$first") s |
| Start to healthy on existing data (PostgreSQL start + silo) | $(printf '%.2f' "$warm") s |
| Idle RSS of the single process after 15 s (target ≤ 250 MB) | $rss MB |
| Idle RSS of the local PostgreSQL (all its processes) | $pgrss MB |
| \`dotnet test Alavida.sln\` wall time (after build) | $tests |
MD

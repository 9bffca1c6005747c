#!/usr/bin/env bash
# Faults against real processes: immediate PostgreSQL restarts under 20 clients of /run, and SIGKILL of a silo mid-job
# and mid-cascade (two silos, one database). Prints Markdown (as in docs/benchmarks.md) and exits 1 when an accepted job
# failed, was lost or charged twice, credits do not add up, or an outage was answered with anything but a 503 problem.
#   bench/faults.sh                                   # all three, defaults (20 clients, 60 s, 2 restarts, 4 trials)
#   bench/faults.sh --scenarios silo-kill-job --trials 8
#   bench/faults.sh -- --Orleans:Membership:ProbeTimeout=00:00:02   # after "--": settings for every silo process
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d); chmod 755 "$work"
trap '[[ ${keep:-} ]] || rm -rf "$work"' EXIT

echo "[$(date +%T)] building (Release)" >&2
dotnet build -c Release src/Silo/Silo.csproj -v q -nologo >/dev/null
dotnet build -c Release bench/Faults.Bench/Faults.Bench.csproj -v q -nologo >/dev/null

cat <<MD
Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(date -u +%Y-%m-%d) · commit $(git rev-parse --short HEAD)
Command: \`bench/faults.sh $*\` (Release, real processes, PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}') with stock durable settings)

MD
rc=0
dotnet bench/Faults.Bench/bin/Release/net10.0/Alavida.Faults.Bench.dll --silo-dll src/Silo/bin/Release/net10.0/Alavida.Silo.dll \
  --pgbin "$pgbin" --work "$work" "$@" || rc=$?
if (( rc != 0 )); then
  keep=1
  echo "[$(date +%T)] not clean; the silos' logs and the database (stopped) are kept in $work" >&2
fi
exit $rc

#!/usr/bin/env bash
# MCP benchmark: the round trip of a tools/call of get_job over stdio (`alavida mcp`, a real process) and over
# Streamable HTTP (the gateway's /mcp), beside a plain GET /jobs/{id} with HttpClient in the same run, sequential and
# interleaved. Prints a Markdown block.
#   bench/mcp.sh                  # 300 calls per path after 50 warm-up calls
#   ITERATIONS=1000 bench/mcp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
iterations=${ITERATIONS:-300}
port=18090
admin_key="bench-admin-$RANDOM$RANDOM"
work=$(mktemp -d); chmod 755 "$work"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
say() { echo "[$(date +%T)] $*" >&2; }

say "building (Release)"
dotnet build -c Release src/Silo/Silo.csproj -v q -nologo >/dev/null
dotnet build -c Release src/Cli/Cli.csproj -v q -nologo >/dev/null
dotnet build -c Release bench/Mcp.Bench/Mcp.Bench.csproj -v q -nologo >/dev/null

dotnet src/Silo/bin/Release/net10.0/Alavida.Silo.dll --Urls="http://127.0.0.1:$port" --Alavida:LocalPostgresDirectory="$work/pg" \
  --Orleans:SiloPort=21211 --Orleans:GatewayPort=23100 --Orleans:ClusterId=bench-mcp --Management:Urls="http://127.0.0.1:19091" \
  --Platform:AdminKey="$admin_key" --Platform:CreateDevTeam=false --Serilog:MinimumLevel:Default=Warning --RateLimits:PerKey:Burst=0 >"$work/host.log" 2>&1 &
pid=$!
say "starting the platform on :$port (its own PostgreSQL in $work)"
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { tail -20 "$work/host.log" >&2; exit 1; }
  sleep 0.2
done

say "$iterations calls per path"
result=$(dotnet bench/Mcp.Bench/bin/Release/net10.0/Alavida.Mcp.Bench.dll --url "http://127.0.0.1:$port" --admin-key "$admin_key" \
  --cli src/Cli/bin/Release/net10.0/alavida.dll --iterations "$iterations")

cat <<MD
Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(date -u +%Y-%m-%d) · commit $(git rev-parse --short HEAD)
Command: \`bench/mcp.sh\` ($iterations sequential calls per path after 50 warm-up, interleaved; Release; one finished job; local PostgreSQL)

| Path | p50 | p90 | p99 |
|---|---|---|---|
$result
MD

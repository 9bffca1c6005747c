#!/usr/bin/env bash
# MCP benchmark: the round trip of a tools/call of get_job over stdio (`alavida mcp`, a real process) and over
# Streamable HTTP (the gateway's /mcp), beside a plain GET /jobs/{id} with HttpClient in the same run, sequential and
# interleaved. Prints a Markdown block.
#   bench/mcp.sh                  # 300 calls per path after 50 warm-up calls
#   ITERATIONS=1000 bench/mcp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/platform.sh
iterations=${ITERATIONS:-300}
port=18090

say "building (Release)"
dotnet build -c Release src/Silo/Silo.csproj -v q -nologo >/dev/null
dotnet build -c Release src/Cli/Cli.csproj -v q -nologo >/dev/null
dotnet build -c Release bench/Mcp.Bench/Mcp.Bench.csproj -v q -nologo >/dev/null

start_platform "$port" 21211 23100 bench-mcp --Management:Urls="http://127.0.0.1:19091"

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

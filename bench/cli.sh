#!/usr/bin/env bash
# CLI start-up, the tool as `dotnet tool install` gives it: wall time of `alavida --version` and of `alavida jobs list --json` against a local platform, p50 and p90
# over 20 runs each, next to references in the same run: an empty .NET console app (the runtime's own start-up floor)
# and the same GET /jobs made by curl (the request without the CLI). Prints a Markdown block.
#   bench/cli.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib/platform.sh
runs=${RUNS:-20}
port=18085

say "building (Release): the CLI as users install it (dotnet pack + tool install), the platform, an empty console app"
dotnet pack -c Release src/Cli/Cli.csproj -o "$work/packages" -v q -nologo >/dev/null
dotnet tool install --tool-path "$work/tools" --add-source "$work/packages" Alavida.Cli >/dev/null
dotnet build -c Release src/Silo/Silo.csproj -v q -nologo >/dev/null
mkdir "$work/empty" && cat >"$work/empty/empty.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
</Project>
XML
echo 'Console.WriteLine("0.0.0");' >"$work/empty/Program.cs"
dotnet build -c Release "$work/empty/empty.csproj" -o "$work/empty/bin" -v q -nologo >/dev/null
cli="$work/tools/alavida"

start_platform "$port" 21121 23010 bench-cli --Management:Urls=
key=$(curl -sf -X POST -H "Authorization: Bearer $admin_key" -H 'Content-Type: application/json' \
  -d '{"name":"bench","owner_email":"bench@example.com","credits":1000}' "http://127.0.0.1:$port/admin/teams" | sed -E 's/.*"api_key":"([^"]+)".*/\1/')
for i in 1 2 3 4 5; do
  curl -sf -X POST -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
    -d "{\"companies\":[{\"domain\":\"bench-$i.example\"}]}" "http://127.0.0.1:$port/identity/run/resolve-company" >/dev/null
done
export ALAVIDA_URL="http://127.0.0.1:$port" ALAVIDA_API_KEY="$key" XDG_CONFIG_HOME="$work/config"

# p50 and p90 of the wall time (ms) of a command over $runs runs, after 2 warm-ups; the command's output is discarded.
percentiles() {
  local samples=() start end
  for _ in 1 2; do "$@" >/dev/null 2>&1; done
  for ((i = 0; i < runs; i++)); do
    start=$EPOCHREALTIME; "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }; end=$EPOCHREALTIME
    samples+=("$(echo "($end - $start) * 1000" | bc)")
  done
  printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "%.0f | %.0f", a[int(NR * 0.5 + 0.5)], a[int(NR * 0.9 + 0.5)] }'
}

say "measuring ($runs runs each)"
version=$(percentiles "$cli" --version)
empty=$(percentiles "$work/empty/bin/empty")
list=$(percentiles "$cli" jobs list --json)
curl_list=$(percentiles curl -sf -H "Authorization: Bearer $key" "http://127.0.0.1:$port/jobs")

cat <<MD
Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo); $(date -u +%Y-%m-%d); \`bench/cli.sh\` ($runs runs each, wall time)

| Command | p50 ms | p90 ms |
|---|---:|---:|
| \`alavida --version\` | ${version% | *} | ${version#* | } |
| reference: an empty .NET console app | ${empty% | *} | ${empty#* | } |
| \`alavida jobs list --json\` (local platform) | ${list% | *} | ${list#* | } |
| reference: \`curl\` of the same \`GET /jobs\` | ${curl_list% | *} | ${curl_list#* | } |
MD

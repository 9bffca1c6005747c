# Sourced by the bench scripts: a work folder removed at exit, progress lines on stderr, and one platform process
# (silo + gateway, its own PostgreSQL in the work folder) started and awaited until healthy.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
admin_key="bench-admin-$RANDOM$RANDOM"
work=$(mktemp -d); chmod 755 "$work"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
say() { echo "[$(date +%T)] $*" >&2; }

# start_platform PORT SILO_PORT GATEWAY_PORT CLUSTER [more settings…]: the Release build of src/Silo on 127.0.0.1:PORT,
# the per-key rate limit off (benchmarks measure load, not limits), logs in $work/host.log.
start_platform() {
  local port=$1 silo_port=$2 gateway_port=$3 cluster=$4
  shift 4
  dotnet src/Silo/bin/Release/net10.0/Alavida.Silo.dll --Urls="http://127.0.0.1:$port" --Alavida:LocalPostgresDirectory="$work/pg" \
    --Orleans:SiloPort="$silo_port" --Orleans:GatewayPort="$gateway_port" --Orleans:ClusterId="$cluster" --Platform:AdminKey="$admin_key" \
    --Platform:CreateDevTeam=false --Serilog:MinimumLevel:Default=Warning --RateLimits:PerKey:Burst=0 "$@" >"$work/host.log" 2>&1 &
  pid=$!
  say "starting the platform on :$port (its own PostgreSQL in $work)"
  until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$work/host.log" >&2; exit 1; }
    sleep 0.2
  done
}

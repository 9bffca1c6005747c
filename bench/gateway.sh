#!/usr/bin/env bash
# Gateway benchmark: accepted POST /identity/run/resolve-company per second and p50/p99 latency with 32 concurrent
# clients against the single process, next to pgbench on the same PostgreSQL running the transaction the acceptance
# stands for (update a balance + insert a job + insert an event), in the same run. Prints a Markdown block.
#   bench/gateway.sh              # 32 clients, 15 s per measurement
#   SECONDS_PER_RUN=30 bench/gateway.sh
# The per-key rate limit is off for the run (one team sends ~2k requests per second here).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
duration=${SECONDS_PER_RUN:-15}
clients=32
port=18080
admin_key="bench-admin-$RANDOM$RANDOM"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d); chmod 755 "$work"
pid=""
cleanup() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
# Progress on stderr (the run takes a few minutes); the Markdown result alone on stdout.
say() { echo "[$(date +%T)] $*" >&2; }

say "building (Release)"
dotnet build -c Release src/Silo/Silo.csproj -v q -nologo >/dev/null
dotnet build -c Release bench/Gateway.Bench/Gateway.Bench.csproj -v q -nologo >/dev/null

dotnet src/Silo/bin/Release/net10.0/Alavida.Silo.dll --Urls="http://127.0.0.1:$port" --Alavida:LocalPostgresDirectory="$work/pg" \
  --Orleans:SiloPort=21111 --Orleans:GatewayPort=23000 --Orleans:ClusterId=bench --Platform:AdminKey="$admin_key" \
  --Platform:CreateDevTeam=false --Serilog:MinimumLevel:Default=Warning --RateLimits:PerKey:Burst=0 >"$work/host.log" 2>&1 &
pid=$!
say "starting the platform on :$port (its own PostgreSQL in $work)"
until curl -sf "http://127.0.0.1:$port/health" >/dev/null; do
  kill -0 "$pid" 2>/dev/null || { tail -20 "$work/host.log" >&2; exit 1; }
  sleep 0.2
done
pgport=$(sed -n 4p "$work/pg/data/postmaster.pid")

psql=("$pgbin/psql" -q -h 127.0.0.1 -p "$pgport" -U postgres -d alavida)
# Right after a load stops: jobs finished per second during its measured window, and jobs accepted but not finished
# yet (does execution keep up with acceptance?).
after() { "${psql[@]}" -Atc "SELECT round(count(*) FILTER (WHERE ended_at > now() - make_interval(secs => $duration)) / $duration.0, 1) || ' | ' || count(*) FILTER (WHERE status IN ('queued', 'running')) FROM jobs"; }
load() { dotnet bench/Gateway.Bench/bin/Release/net10.0/Alavida.Gateway.Bench.dll --url "http://127.0.0.1:$port" --admin-key "$admin_key" \
           --clients "$clients" --teams "$1" --seconds "$duration" "${@:2}"; }
say "reference: GET /credits, $duration s"
baseline=$(load "$clients" --get /credits)
# Waits (5 min at most) until every accepted job is final, so no measurement (nor pgbench) shares the machine with the
# previous one's backlog; prints how long that took.
drain() {
  local start=$SECONDS
  until [[ $("${psql[@]}" -Atc "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')") == 0 ]]; do
    (( SECONDS - start < 300 )) || { echo "jobs did not drain in 300 s" >&2; exit 1; }
    sleep 0.5
  done
  echo $(( SECONDS - start ))
}
say "/run, $clients teams, known company, $duration s"
warm=$(load "$clients" --warm); warm_jobs=$(after); warm_jobs+=" | $(drain) s"
say "/run, $clients teams, new company, $duration s"
many=$(load "$clients"); many_jobs=$(after); many_jobs+=" | $(drain) s"
say "/run, one team, new company, $duration s"
one=$(load 1); one_jobs=$(after); one_jobs+=" | $(drain) s"

"${psql[@]}" <<'SQL'
CREATE SCHEMA bench;
CREATE TABLE bench.accounts (team_id int PRIMARY KEY, balance bigint NOT NULL CHECK (balance >= 0), reserved bigint NOT NULL DEFAULT 0);
INSERT INTO bench.accounts SELECT g, 1000000000 FROM generate_series(1, 32) g;
CREATE TABLE bench.jobs (id uuid PRIMARY KEY, team_id int NOT NULL, status text NOT NULL, input jsonb NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE bench.events (id uuid PRIMARY KEY, name text NOT NULL, data jsonb NOT NULL, ts timestamptz NOT NULL DEFAULT now());
SQL
cat >"$work/accept.sql" <<'SQL'
\set team random(1, :teams)
BEGIN;
UPDATE bench.accounts SET balance = balance - 1, reserved = reserved + 1 WHERE team_id = :team AND balance >= 1;
INSERT INTO bench.jobs (id, team_id, status, input) VALUES (gen_random_uuid(), :team, 'queued', '{"companies":[{"domain":"acme.com"}]}');
INSERT INTO bench.events (id, name, data) VALUES (gen_random_uuid(), 'job/accepted', '{"quantum":"identity"}');
END;
SQL
pgb() { "$pgbin/pgbench" -h 127.0.0.1 -p "$pgport" -U postgres -n -c "$clients" -j 2 -T "$duration" -D teams="$1" -f "$work/accept.sql" alavida 2>/dev/null \
          | awk '/^tps/ {printf "%.0f", $3}'; }
say "pgbench, $clients clients over 32 and over 1 team(s), $duration s each"
pg_many=$(pgb 32)
pg_one=$(pgb 1)

field() { echo "$1" | sed -E "s/.*\"$2\":([0-9.]+).*/\1/"; }
ratio() { echo "scale=2; $1 / $2" | bc; }
cat <<MD
Machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · $(date -u +%Y-%m-%d) · commit $(git rev-parse --short HEAD)
Command: \`bench/gateway.sh\` ($clients clients, ${duration} s per measurement, Release, local PostgreSQL with stock durable settings)

| Load | Accepted /run per s | p50 | p99 | Jobs finished per s | Jobs unfinished at the end | Time to finish them | pgbench tps (same transaction shape) | Ratio |
|---|---|---|---|---|---|---|---|---|
| $clients clients over $clients teams, each job resolving a known company | $(field "$warm" accepted_per_second) | $(field "$warm" p50_ms) ms | $(field "$warm" p99_ms) ms | $warm_jobs | $pg_many | $(ratio "$(field "$warm" accepted_per_second)" "$pg_many") |
| $clients clients over $clients teams, each job creating a company | $(field "$many" accepted_per_second) | $(field "$many" p50_ms) ms | $(field "$many" p99_ms) ms | $many_jobs | $pg_many | $(ratio "$(field "$many" accepted_per_second)" "$pg_many") |
| $clients clients, one team, each job creating a company | $(field "$one" accepted_per_second) | $(field "$one" p50_ms) ms | $(field "$one" p99_ms) ms | $one_jobs | $pg_one | $(ratio "$(field "$one" accepted_per_second)" "$pg_one") |

Reference in the same run: \`GET /credits\` (HTTP + key check + one grain call, no write) answers $(field "$baseline" accepted_per_second)/s
(p50 $(field "$baseline" p50_ms) ms). Accepted jobs run while the load goes on; "finished per s" counts those that reached a
final status during the measured window, "unfinished at the end" those accepted but not final when the load stopped;
the next measurement (and pgbench) starts only once they have finished.
MD

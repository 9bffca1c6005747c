# Sourced by run-mesh.sh and crash-mesh.sh: copies the read-only peers folder (BENCH_PEERS, default
# ../shared/bench-peers) to $work/bench-peers, builds bench/Bench.Mesh in Release against it and exports the commands
# of the mesh systems: alavida-mesh (database steps, RunInTransaction) and alavida-mesh-plain (Run + SendEvent).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
peers=${BENCH_PEERS:-$repo/../shared/bench-peers}
work=$(mktemp -d "/tmp/alavida-${1:-bench}.XXXXXX")
chmod 755 "$work"   # the postgres user starts its server from inside
cp -r "$peers" "$work/bench-peers"
chmod -R u+w "$work/bench-peers"

echo "== build Bench.Mesh (Release)"
dotnet build "$repo/bench/Bench.Mesh/Bench.Mesh.csproj" -c Release -nologo -v q -p:BenchPeersDir="$work/bench-peers" >"$work/mesh-build.log" 2>&1 \
  || { tail -40 "$work/mesh-build.log"; exit 1; }

export BENCH_CMD_alavida_mesh="dotnet $repo/bench/Bench.Mesh/bin/Release/net10.0/Bench.Mesh.dll"
export BENCH_CMD_alavida_mesh_plain="dotnet $repo/bench/Bench.Mesh/bin/Release/net10.0/Bench.Mesh.dll --opt steps=plain"

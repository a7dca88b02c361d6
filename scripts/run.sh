#!/usr/bin/env bash
# ./dev run: installs the node tools, starts Azurite (in memory), a local chain with the ENS contracts, and the backend
# on http://127.0.0.1:${DM3_PORT:-5080}; runs the demo of the flows (scripts/demo.mjs) and then
# the Linked Profiles demo (scripts/lsp-demo.mjs: two more backends, `dm3 demo`), prints the URLs and keeps everything running until Ctrl-C. `./dev run --no-demo` skips the demo flows.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/scripts/lib.sh"

ensure_node_tools
log "dotnet build functions/Dm3.Host functions/Dm3.Cli"
dotnet build "$ROOT/functions/Dm3.Host/Dm3.Host.csproj" -c Debug -nologo -clp:ErrorsOnly -v:q
dotnet build "$ROOT/functions/Dm3.Cli/Dm3.Cli.csproj" -c Debug -nologo -clp:ErrorsOnly -v:q
trap stop_azurite EXIT
start_azurite
node "$ROOT/scripts/demo.mjs" "$@"

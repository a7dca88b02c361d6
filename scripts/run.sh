#!/usr/bin/env bash
# ./dev run: installs the node tools, starts Azurite (in memory), a local chain with the ENS contracts, and the backend
# on http://127.0.0.1:${DM3_PORT:-5080}; runs the Linked Profiles demo (scripts/lsp-demo.mjs: two backends, `dm3 demo`)
# and the demo of the flows (scripts/demo.mjs), prints the URLs and keeps everything running until Ctrl-C. `./dev run --no-demo` skips the demo flows.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/scripts/lib.sh"

ensure_node_tools
log "dotnet build functions/Dm3.App functions/Dm3.Cli"
dotnet build "$ROOT/functions/Dm3.App/Dm3.App.csproj" -c Debug -nologo -clp:ErrorsOnly -v:q
dotnet build "$ROOT/functions/Dm3.Cli/Dm3.Cli.csproj" -c Debug -nologo -clp:ErrorsOnly -v:q
trap stop_azurite EXIT
start_azurite
if [[ " $* " != *" --no-demo "* ]]; then
  # The Linked Profiles story (issue 12): backends A (myapp.eth) and B (main.eth) on one anvil chain, then `dm3 demo`.
  node "$ROOT/scripts/lsp-demo.mjs"
fi
node "$ROOT/scripts/demo.mjs" "$@"

#!/usr/bin/env bash
# Benchmarks: builds Release and runs tests/Dm3.Bench. Figures are printed, not judged by exit code.
#   scripts/bench.sh                      every suite (ours vs the dm3 npm libraries where comparable)
#   scripts/bench.sh protocol --seconds 2 --rounds 5
#   scripts/bench.sh primitives           diagnostic building blocks (not in the default run)
#   scripts/bench.sh --help
# Options common to every suite: --seconds N (per round and side), --rounds N (interleaved), --no-node.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/scripts/lib.sh"

ensure_node_tools
log "dotnet build -c Release tests/Dm3.Bench"
dotnet build "$ROOT/tests/Dm3.Bench/Dm3.Bench.csproj" -c Release -nologo -clp:ErrorsOnly -v:q
exec dotnet run -c Release --no-build --project "$ROOT/tests/Dm3.Bench" -- "$@"

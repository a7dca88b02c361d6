#!/usr/bin/env bash
# Builds and runs every suite: the dotnet test projects and the node interop / end-to-end tests.
# Starts and stops Azurite itself (in memory, free ports). Prints one closing line: "N passed, N failed, N skipped".
# Options: --filter <expr> (passed to dotnet test), --no-node, --only <TestProjectName>
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
source "$ROOT/scripts/lib.sh"

FILTER=""; RUN_NODE=1; ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --filter) FILTER=$2; shift 2 ;;
    --no-node) RUN_NODE=0; shift ;;
    --only) ONLY=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done

RESULTS="$ROOT/.artifacts/test-results"
rm -rf "$RESULTS"; mkdir -p "$RESULTS"
passed=0; failed=0; skipped=0; broken=0

cleanup() { stop_azurite; }
trap cleanup EXIT

ensure_node_tools || broken=$((broken+1))

log "dotnet build"
if ! dotnet build "$ROOT/Dm3.Serverless.sln" -c Debug -nologo -clp:ErrorsOnly -v:q; then
  echo "BUILD FAILED" >&2
  echo "0 passed, 1 failed, 0 skipped"
  exit 1
fi

start_azurite || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

# Sum the counters of one TRX file into the totals.
add_trx() {
  local f=$1 line t p fl
  line=$(grep -o '<Counters [^>]*>' "$f" | head -1)
  [ -z "$line" ] && return 1
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$line")
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line")
  fl=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line")
  passed=$((passed + p)); failed=$((failed + fl)); skipped=$((skipped + t - p - fl))
  log "$(basename "$f" .trx): $p passed, $fl failed, $((t - p - fl)) skipped"
}

for proj in "$ROOT"/tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  [ -n "$ONLY" ] && [ "$ONLY" != "$name" ] && continue
  log "dotnet test $name"
  args=(test "$proj" --no-build -nologo --logger "trx;LogFileName=$name.trx" --results-directory "$RESULTS")
  [ -n "$FILTER" ] && args+=(--filter "$FILTER")
  dotnet "${args[@]}" 2>&1 | grep -vE '^\s*$' | tail -n 40
  rc=${PIPESTATUS[0]}
  if ! add_trx "$RESULTS/$name.trx"; then
    echo "no results for $name (exit $rc)" >&2; broken=$((broken+1))
  elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
    broken=$((broken+1))
  fi
done

if [ "$RUN_NODE" -eq 1 ] && [ -z "$ONLY" ] && ls "$ROOT"/tests/interop/*.test.mjs >/dev/null 2>&1; then
  log "node --test tests/interop"
  node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
       --test-reporter=tap --test-reporter-destination="$RESULTS/node.tap" "$ROOT"/tests/interop/*.test.mjs
  rc=$?
  np=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$RESULTS/node.tap" | tail -1)
  nf=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$RESULTS/node.tap" | tail -1)
  ns=$(sed -n 's/^# skipped \([0-9]*\)$/\1/p' "$RESULTS/node.tap" | tail -1)
  nt=$(sed -n 's/^# todo \([0-9]*\)$/\1/p' "$RESULTS/node.tap" | tail -1)
  if [ -z "$np" ]; then echo "no node results (exit $rc)" >&2; broken=$((broken+1)); else
    passed=$((passed + np)); failed=$((failed + ${nf:-0})); skipped=$((skipped + ${ns:-0} + ${nt:-0}))
    log "node: $np passed, ${nf:-0} failed, $(( ${ns:-0} + ${nt:-0} )) skipped"
    [ "$rc" -ne 0 ] && [ "${nf:-0}" -eq 0 ] && broken=$((broken+1))
  fi
fi

[ "$broken" -gt 0 ] && echo "$broken suite(s) did not report cleanly" >&2
echo "$passed passed, $((failed + broken)) failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$broken" -eq 0 ]

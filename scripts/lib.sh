# Shared helpers for the dev scripts. Sourced, not run.
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export NODE_NO_WARNINGS=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Install the dev-only node tools when missing or out of date with the lockfile.
ensure_node_tools() {
  if [ "${CI:-}" = "true" ] || [ ! -d "$ROOT/node_modules" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "npm ci"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

free_port() { python3 - <<'PY' 2>/dev/null || node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()
PY
}

wait_port() { # host port seconds
  local i=0
  while ! (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    i=$((i+1)); [ $i -gt $(( $3 * 10 )) ] && return 1; sleep 0.1
  done
  exec 3>&- 3<&- 2>/dev/null || true
}

AZURITE_PID=""
# Start Azurite in memory on free ports; exports DM3_TEST_*_ENDPOINT and the connection string.
start_azurite() {
  local blob queue table dir
  blob=$(free_port); queue=$(free_port); table=$(free_port)
  dir=$(mktemp -d -t azurite.XXXXXX)
  (cd "$dir" && exec "$ROOT/node_modules/.bin/azurite" --inMemoryPersistence --silent --skipApiVersionCheck --loose --disableTelemetry \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$blob" --queuePort "$queue" --tablePort "$table") >"$dir/azurite.log" 2>&1 &
  AZURITE_PID=$!
  wait_port 127.0.0.1 "$table" 30 && wait_port 127.0.0.1 "$queue" 30 || { cat "$dir/azurite.log" >&2; echo "Azurite did not start" >&2; return 1; }
  export DM3_TEST_TABLE_ENDPOINT="http://127.0.0.1:$table/devstoreaccount1"
  export DM3_TEST_QUEUE_ENDPOINT="http://127.0.0.1:$queue/devstoreaccount1"
  export DM3_TEST_BLOB_ENDPOINT="http://127.0.0.1:$blob/devstoreaccount1"
  # Azurite's well-known, public development account key (documented by Microsoft; not a secret).
  local devkey="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export DM3_AZURITE_CONNECTION_STRING="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${devkey};BlobEndpoint=$DM3_TEST_BLOB_ENDPOINT;QueueEndpoint=$DM3_TEST_QUEUE_ENDPOINT;TableEndpoint=$DM3_TEST_TABLE_ENDPOINT;"
  log "Azurite on 127.0.0.1 (tables :$table, queues :$queue, blobs :$blob)"
}

stop_azurite() { [ -n "$AZURITE_PID" ] && kill "$AZURITE_PID" 2>/dev/null && wait "$AZURITE_PID" 2>/dev/null; AZURITE_PID=""; return 0; }

# The one place that starts a backend process: functions/Dm3.Host (the standalone host), configured only through environment
# variables (ASPNETCORE_URLS, Storage__*, Apps__*, …). Replaces the calling shell (use it as `bash -c 'source
# scripts/lib.sh && exec_backend'`); tests/interop/support/backend.mjs starts every backend of the tests, the demos
# and `./dev run` through it.
exec_backend() {
  exec dotnet "${DM3_HOST_DLL:-$ROOT/functions/Dm3.Host/bin/Debug/net10.0/Dm3.Host.dll}" "$@"
}

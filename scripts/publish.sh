#!/usr/bin/env bash
# Builds the deployable Azure Functions custom-handler package (functions-custom-handler.md §7.3–§7.4):
#
#   .artifacts/publish/package/        host.json, one <FunctionName>/function.json per function, and Dm3.App
#                                      published self-contained for linux-x64 (with the .NET runtime it needs)
#   .artifacts/publish/package.zip     the same files; Dm3.App keeps mode 0755 (Unix "made by"), the rest 0644
#
# The function.json files come from the program's own function catalog (`Dm3.App functions-json`), for one
# transport (decisions §1): serviceBus (the Azure default) or storageQueues.
# InvariantGlobalization stays false (decisions §18: it would silently disable Unicode normalisation).
# ReadyToRun is on by default (precompiled code: the handler must answer GET / fast, functions-custom-handler.md §2);
# --no-ready-to-run publishes JIT-only (smaller, quicker to build). --composite compiles the app and the .NET/ASP.NET
# Core framework into one ReadyToRun composite image (about a quarter less cold start again, but ~2 min more publish
# time and ~25 MB more package). No trimming (reflection users: options binding, DI).
#
# Usage: scripts/publish.sh [--transport serviceBus|storageQueues] [--out DIR] [--include-diagnostics] [--no-ready-to-run | --composite]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

transport=serviceBus
out="$ROOT/.artifacts/publish"
extra=()
r2r=true
composite=false
while [ $# -gt 0 ]; do
  case "$1" in
    --transport) transport=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --include-diagnostics) extra+=(--include-diagnostics); shift ;;
    --ready-to-run) r2r=true; shift ;;   # the default; kept for older callers
    --no-ready-to-run) r2r=false; shift ;;
    --composite) r2r=true; composite=true; shift ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "publish.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$transport" in serviceBus|storageQueues) ;; *) echo "publish.sh: --transport must be serviceBus or storageQueues" >&2; exit 2 ;; esac

package="$out/package"
zip="$out/package.zip"
rm -rf "$package" "$zip"
mkdir -p "$package"

if [ "$r2r" = false ] && [ "$composite" = true ]; then echo "publish.sh: --composite needs ReadyToRun" >&2; exit 2; fi
# The SDK compiles ReadyToRun incrementally into obj/…/R2R and does not notice a switch between composite and
# per-assembly images (stale composite components abort at start): start that folder afresh when the mode changes.
r2r_dir="$ROOT/functions/Dm3.App/obj/Release/net10.0/linux-x64/R2R"
if [ -d "$r2r_dir" ] && [ "$(cat "$r2r_dir/.dm3-mode" 2>/dev/null)" != "composite=$composite" ]; then rm -rf "$r2r_dir"; fi
echo "==> dotnet publish (Release, linux-x64, self-contained, ReadyToRun=$r2r, composite=$composite)" >&2
dotnet publish "$ROOT/functions/Dm3.App/Dm3.App.csproj" -c Release -r linux-x64 --self-contained true \
  -p:InvariantGlobalization=false -p:PublishReadyToRun=$r2r -p:PublishReadyToRunComposite=$composite -p:GenerateDocumentationFile=false \
  -o "$package" --nologo -v quiet
if [ "$r2r" = true ]; then mkdir -p "$r2r_dir" && echo "composite=$composite" > "$r2r_dir/.dm3-mode"; fi

echo "==> function.json files ($transport)" >&2
if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ]; then
  "$package/Dm3.App" functions-json --out "$package" --transport "$transport" "${extra[@]}"
else
  # Not a linux-x64 machine: run the same catalog from a framework-dependent build.
  dotnet run --project "$ROOT/functions/Dm3.App" -c Release -- functions-json --out "$package" --transport "$transport" "${extra[@]}"
fi
cp "$ROOT/host.json" "$package/host.json"
rm -f "$package/local.settings.json" "$package"/appsettings.Development.json

echo "==> zip with Unix modes" >&2
python3 - "$package" "$zip" <<'PY'
import os, stat, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    for folder, dirs, files in os.walk(src):
        dirs.sort()
        for name in sorted(files):
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            info = zipfile.ZipInfo.from_file(path, rel)
            mode = 0o755 if rel == "Dm3.App" else 0o644
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.create_system = 3  # Unix, so the modes are honoured on extraction
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(path, "rb") as f:
                z.writestr(info, f.read())
# Verify what we wrote.
with zipfile.ZipFile(dst) as z:
    entry = z.getinfo("Dm3.App")
    mode = entry.external_attr >> 16
    assert entry.create_system == 3 and stat.S_ISREG(mode) and (mode & 0o777) == 0o755, oct(mode)
    names = set(z.namelist())
    assert "host.json" in names, "host.json missing"
    assert any(n.endswith("/function.json") for n in names), "no function.json"
print(f"publish.sh: {dst} ({len(names)} entries, Dm3.App mode {oct(mode & 0o777)})")
PY
echo "$package"

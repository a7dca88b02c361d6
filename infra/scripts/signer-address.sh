#!/bin/sh
# Prints the Ethereum address of the gateway signing key (Key Vault EC P-256K key), for the ENS
# OffchainResolver's signer list. Needs: az (signed in, with a data-plane role that can read keys, e.g.
# Key Vault Crypto User or Key Vault Reader on the vault) and node with the repo's dev dependencies
# (npm ci, for ethers). The running app shows the same address on /health.
#   infra/scripts/signer-address.sh [key id]      (default: $GATEWAY_SIGNER_KEY_ID, or azd's value)
# Run it from the repository root (node resolves ethers from ./node_modules).
set -eu
key_id="${1:-${GATEWAY_SIGNER_KEY_ID:-}}"
if [ -z "$key_id" ] && command -v azd >/dev/null 2>&1; then
  key_id=$(azd env get-value GATEWAY_SIGNER_KEY_ID 2>/dev/null || true)
fi
[ -n "$key_id" ] || { echo "usage: signer-address.sh <key id URL>" >&2; exit 2; }
az keyvault key show --id "$key_id" --query key -o json | node -e '
  const { computeAddress } = require("ethers");
  let json = "";
  process.stdin.on("data", d => (json += d)).on("end", () => {
    const jwk = JSON.parse(json);
    if (jwk.crv !== "P-256K") throw new Error(`not a secp256k1 key: ${jwk.crv}`);
    const hex = v => Buffer.from(v, "base64url").toString("hex").padStart(64, "0");
    console.log(computeAddress("0x04" + hex(jwk.x) + hex(jwk.y)));
  });'

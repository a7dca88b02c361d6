#!/bin/sh
# Generates the backend's secrets (decisions §23) once per environment, outside Bicep (Bicep cannot
# generate key material). Values are base64 (standard, padded):
#   DM3_DS_ENCRYPTION_PRIVATE_KEY  delivery-service X25519 private key, 32 random bytes
#   DM3_DS_SIGNING_PRIVATE_KEY     delivery-service Ed25519 private key, 64 bytes = seed(32) || public key(32)
#   DM3_DS_TOKEN_SECRET            HS256 token secret, 32 random bytes, independent of every signing key
#   DM3_OWNER_INDEX_KEY            linked-profile owner-index HMAC key, 32 random bytes
#
# Modes:
#   ensure-secrets.sh            (azd preprovision hook) store missing values in the azd environment
#   ensure-secrets.sh --export   print `export NAME='value'` lines for values missing from the shell
#                                environment, for the plain `az deployment sub create` path:
#                                  eval "$(infra/scripts/ensure-secrets.sh --export)"
#
# The delivery-service keys are the service's identity (profiles publish its public keys): they must stay
# the same across deployments. Once an environment has been provisioned (KEY_VAULT_NAME is known), missing
# values are an error rather than silently replaced; set DM3_ALLOW_NEW_SECRETS=1 to replace them anyway.
set -eu

NAMES="DM3_DS_ENCRYPTION_PRIVATE_KEY DM3_DS_SIGNING_PRIVATE_KEY DM3_DS_TOKEN_SECRET DM3_OWNER_INDEX_KEY"
MODE="${1:-azd}"

command -v openssl >/dev/null 2>&1 || { echo "ensure-secrets: openssl is required" >&2; exit 1; }

random32() {
  openssl rand -base64 32 | tr -d '\n'
}

ed25519_private_key() {
  dir=$(mktemp -d)
  trap 'rm -rf "$dir"' EXIT
  # PKCS#8 DER of an Ed25519 key ends with the 32-byte seed; SPKI DER ends with the 32-byte public key.
  openssl genpkey -algorithm ed25519 -outform DER -out "$dir/key.der" 2>/dev/null
  openssl pkey -inform DER -in "$dir/key.der" -pubout -outform DER -out "$dir/pub.der" 2>/dev/null
  { tail -c 32 "$dir/key.der"; tail -c 32 "$dir/pub.der"; } | openssl base64 -A
  rm -rf "$dir"
  trap - EXIT
}

generate() {
  case "$1" in
    DM3_DS_SIGNING_PRIVATE_KEY) ed25519_private_key ;;
    *) random32 ;;
  esac
}

current_value() {
  if [ "$MODE" = "--export" ]; then
    eval "printf '%s' \"\${$1:-}\""
  else
    azd env get-value "$1" 2>/dev/null || true
  fi
}

provisioned_vault() {
  if [ "$MODE" = "--export" ]; then
    printf '%s' "${KEY_VAULT_NAME:-}"
  else
    azd env get-value KEY_VAULT_NAME 2>/dev/null || true
  fi
}

missing=""
for name in $NAMES; do
  if [ -z "$(current_value "$name")" ]; then
    missing="$missing $name"
  fi
done

[ -z "$missing" ] && exit 0

vault=$(provisioned_vault)
if [ -n "$vault" ] && [ "${DM3_ALLOW_NEW_SECRETS:-0}" != "1" ]; then
  echo "ensure-secrets: this environment was provisioned before (Key Vault $vault) but$missing" >&2
  echo "  is missing here. Generating new values would replace the delivery service's keys." >&2
  echo "  Restore them (az keyvault secret show --vault-name $vault --name <secret> --query value -o tsv)" >&2
  echo "  into the environment, or set DM3_ALLOW_NEW_SECRETS=1 to generate new ones deliberately." >&2
  exit 1
fi

for name in $missing; do
  value=$(generate "$name")
  if [ "$MODE" = "--export" ]; then
    printf "export %s='%s'\n" "$name" "$value"
  else
    azd env set "$name" "$value" >/dev/null
    echo "ensure-secrets: generated $name and stored it in the azd environment"
  fi
done

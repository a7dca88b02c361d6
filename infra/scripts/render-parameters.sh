#!/bin/sh
# Renders infra/main.parameters.json for a plain `az deployment sub create` (azd does this itself):
# replaces ${NAME} and ${NAME=default} with the shell environment's values (or the default), and turns
# numbers and booleans into JSON numbers and booleans. The output holds the secure parameters, so it is
# written with mode 0600; delete it after the deployment.
#   eval "$(infra/scripts/ensure-secrets.sh --export)"
#   AZURE_ENV_NAME=dm3 AZURE_LOCATION=westeurope infra/scripts/render-parameters.sh > "$tmp"
set -eu
here=$(dirname "$0")
: "${AZURE_ENV_NAME:?set AZURE_ENV_NAME (the environment name)}"
: "${AZURE_LOCATION:?set AZURE_LOCATION (the Azure region)}"
umask 077
perl -pe '
  s/\$\{(\w+)(?:=([^}]*))?\}/(defined $ENV{$1} && $ENV{$1} ne "") ? $ENV{$1} : (defined $2 ? $2 : "")/ge;
  s/("value":\s*)"(-?\d+|true|false)"/$1$2/g;
' "$here/../main.parameters.json"

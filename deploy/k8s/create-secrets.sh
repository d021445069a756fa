#!/bin/sh
# Creates the two Secrets deploy/k8s/ reads, switchboard-secrets and switchboard-postgres, with values made
# here or taken from your shell. No manifest in this folder holds a secret value: `kubectl apply -f
# deploy/k8s/` can't roll a placeholder over a real one, and `kubectl create` (below) refuses to overwrite a
# Secret that exists (to rotate one: kubectl delete secret <name>, run this again, restart the pods).
#
#   SITEASSIST_TOKEN=… SUPERAGENTES_TOKEN=… UNCODIE_SITE_ID=… [UNCODIE_API_KEY=…] [CLIENT_ID=…] \
#     deploy/k8s/create-secrets.sh [kubectl flags, e.g. -n switchboard]
#
# It makes CURSOR_SECRET, the PostgreSQL password (also in MIRROR_STORE) and one API client (CLIENT_ID,
# default example-client) whose key it prints once: only the key's SHA-256 is stored (API_CLIENTS). Add
# clients later by editing API_CLIENTS: a YAML list, [{id: a, keySha256: "…"}, {id: b, keySha256: "…"}].
set -eu
: "${SITEASSIST_TOKEN:?set SITEASSIST_TOKEN (the vendors credentials come from your shell)}"
: "${SUPERAGENTES_TOKEN:?set SUPERAGENTES_TOKEN}"
: "${UNCODIE_SITE_ID:?set UNCODIE_SITE_ID}"
client=${CLIENT_ID:-example-client}

# URL-safe base64 of N random bytes: it goes into MIRROR_STORE's URL unencoded.
random() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
key=$(random 32)
pg_password=$(random 24)
key_sha256=$(printf %s "$key" | sha256sum | cut -d' ' -f1)

kubectl create secret generic switchboard-postgres "$@" \
  --from-literal=POSTGRES_PASSWORD="$pg_password"
kubectl create secret generic switchboard-secrets "$@" \
  --from-literal=CURSOR_SECRET="$(random 32)" \
  --from-literal=MIRROR_STORE="postgres://switchboard:$pg_password@postgres:5432/switchboard" \
  --from-literal=API_CLIENTS="[{id: $client, keySha256: \"$key_sha256\"}]" \
  --from-literal=SITEASSIST_TOKEN="$SITEASSIST_TOKEN" \
  --from-literal=SUPERAGENTES_TOKEN="$SUPERAGENTES_TOKEN" \
  --from-literal=UNCODIE_API_KEY="${UNCODIE_API_KEY:-}" \
  --from-literal=UNCODIE_SITE_ID="$UNCODIE_SITE_ID"
echo "API key of client $client (shown once, only its SHA-256 is stored): $key"

#!/usr/bin/env bash
# The README's quickstart, against a running instance: BASE defaults to http://127.0.0.1:3000.
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:3000}
FILE=${1:-README.md}

# A dev identity token (the dev issuer exists only in the dev profile on loopback).
TOKEN=$(curl -fsS -X POST "$BASE/dev/oidc/token" -H 'content-type: application/json' \
  -d '{"sub":"alice","email":"alice@example.com","email_verified":true}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).id_token')
export TOKEN

# The instance's trust material, for clients (sigstore-js, cosign --trusted-root).
curl -fsS "$BASE/trust/trusted_root.json" -o trusted_root.json
curl -fsS "$BASE/trust/signing_config.json" -o signing_config.json

# Sign keylessly and verify with sigstore-js.
node "$(dirname "$0")/sign-and-verify.mjs" "$FILE" "$BASE"

#!/usr/bin/env bash
# Drives a running `flotilla sim` with the stock AWS CLI (no changes but --endpoint-url):
# create-function, the function-active-v2 and function-updated-v2 waiters, get-function,
# update-function-configuration (including the 409 on an overlapping update),
# publish-version and create-alias.
# Usage: tests/awscli_sim.sh http://127.0.0.1:PORT   (AWS CLI from $FLOTILLA_VENV or ./.venv)
set -euo pipefail
url=${1:?usage: $0 ENDPOINT_URL}
cd "$(dirname "$0")/.."
venv=${FLOTILLA_VENV:-.venv}
aws_bin="$venv/bin/aws"

export AWS_ACCESS_KEY_ID=AKIDTESTTESTTEST AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-north-1
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER="" AWS_MAX_ATTEMPTS=1
lambda() { "$aws_bin" --endpoint-url "$url" --output text lambda "$@"; }
expect() { # expect WHAT EXPECTED ACTUAL
  if [ "$2" != "$3" ]; then echo "FAIL: $1: expected '$2', got '$3'" >&2; exit 1; fi
  echo "ok: $1 = $3"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$venv/bin/python" -c 'import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z: z.writestr("app.py", "def handler(event, context):\n    return 1\n")' "$work/code.zip"

state=$(lambda create-function --function-name cli-fn --runtime python3.12 --handler app.handler \
  --role arn:aws:iam::123456789012:role/cli --zip-file "fileb://$work/code.zip" --query State)
expect "State after create-function" Pending "$state"
lambda wait function-active-v2 --function-name cli-fn
expect "State after function-active-v2" Active "$(lambda get-function --function-name cli-fn --query Configuration.State)"
sha=$("$venv/bin/python" -c 'import base64,hashlib,sys; print(base64.b64encode(hashlib.sha256(open(sys.argv[1],"rb").read()).digest()).decode())' "$work/code.zip")
expect "CodeSha256" "$sha" "$(lambda get-function --function-name cli-fn --query Configuration.CodeSha256)"

status=$(lambda update-function-configuration --function-name cli-fn --memory-size 256 \
  --environment 'Variables={STAGE=ci}' --query LastUpdateStatus)
expect "LastUpdateStatus after update-function-configuration" InProgress "$status"
if lambda update-function-configuration --function-name cli-fn --timeout 30 > /dev/null 2> "$work/err"; then
  echo "FAIL: an overlapping update was accepted" >&2; exit 1
fi
grep -q "ResourceConflictException" "$work/err" || { cat "$work/err" >&2; exit 1; }
grep -q "An update is in progress for resource: arn:aws:lambda:eu-north-1:123456789012:function:cli-fn" "$work/err"
echo "ok: overlapping update refused with ResourceConflictException"

lambda wait function-updated-v2 --function-name cli-fn
expect "LastUpdateStatus after function-updated-v2" Successful \
  "$(lambda get-function --function-name cli-fn --query Configuration.LastUpdateStatus)"
expect "MemorySize" 256 "$(lambda get-function-configuration --function-name cli-fn --query MemorySize)"

expect "publish-version" 1 "$(lambda publish-version --function-name cli-fn --query Version)"
expect "create-alias" 1 "$(lambda create-alias --function-name cli-fn --name live --function-version 1 --query FunctionVersion)"
expect "get-function by alias" 1 "$(lambda get-function --function-name cli-fn --qualifier live --query Configuration.Version)"
echo "awscli_sim: all checks passed"

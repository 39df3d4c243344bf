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

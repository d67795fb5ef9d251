#!/usr/bin/env bash
# Set up the project from a fresh clone: a virtualenv with the package installed.
#   scripts/setup.sh          runtime only (enough for `ledger demo` and `ledger serve`)
#   scripts/setup.sh --dev    plus test tools, the contract compiler and a local EVM node
#                             (npm), Chromium for the browser tests and CJK fonts (Debian)
set -euo pipefail
cd "$(dirname "$0")/.."

dev=0
[[ "${1:-}" == "--dev" ]] && dev=1

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 &&
     "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)'; then
    python="$candidate"; break
  fi
done
if [[ -z "$python" ]]; then
  echo "setup: Python 3.11 or newer is required" >&2; exit 1
fi

if [[ ! -x .venv/bin/python ]]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if (( dev )); then
  .venv/bin/python -m pip install --quiet -e "./verifier[fabric]" -e ".[dev]"
else
  .venv/bin/python -m pip install --quiet -e "./verifier[fabric]" -e .
fi

# System packages: a CJK font for the certificate PDF (TrueType: reportlab cannot embed
# the CFF-outline OpenType of fonts-noto-cjk), Chromium and its WebDriver for the browser
# tests, poppler-utils to render PDFs in the tests.
need_apt=()
if ! fc-list 2>/dev/null | grep -qi "WenQuanYi Zen Hei"; then
  need_apt+=(fonts-wqy-zenhei)
fi
if (( dev )) && ! command -v chromium >/dev/null 2>&1; then
  need_apt+=(chromium)
fi
if (( dev )) && ! command -v chromedriver >/dev/null 2>&1; then
  need_apt+=(chromium-driver)
fi
if (( dev )) && ! command -v pdftoppm >/dev/null 2>&1; then
  need_apt+=(poppler-utils)
fi
if (( ${#need_apt[@]} )); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} (Debian packages)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (needs root and apt-get)" >&2
  fi
fi

if (( dev )) && command -v npm >/dev/null 2>&1 && [[ -f anchoring/evm/package.json ]]; then
  npm ci --prefix anchoring/evm --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null
fi
echo "setup: ready (.venv)"

#!/usr/bin/env bash
# Set up pantau on a fresh Debian 12 / Ubuntu 24.04 machine (Python 3.11 or 3.12) and run it.
#   ./bootstrap.sh demo    the demo: embedded PostgreSQL and Redis, local forum, real crawl
#   ./bootstrap.sh test    everything the tests need, then the test suite (extra args go to pytest)
set -euo pipefail
cd "$(dirname "$0")"
mode=${1:-}; shift || true
[ "$mode" = demo ] || [ "$mode" = test ] || { echo "usage: ./bootstrap.sh demo|test [pytest args]" >&2; exit 2; }

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {  # install Debian packages that are missing
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing system packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

pick_python() {
  for py in python3.12 python3.11 python3; do
    if command -v "$py" >/dev/null 2>&1 &&
       "$py" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  echo "pantau needs Python 3.11 or 3.12" >&2; return 1
}

PY=$(pick_python)
if ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  ver=$("$PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
  apt_install "python${ver}-venv"
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
if [ "$mode" = demo ]; then
  .venv/bin/python -m pip install -q -e .
  exec .venv/bin/pantau demo "$@"
fi
.venv/bin/python -m pip install -q -e '.[test]'
# Browser tests launch Chromium: Debian's package, else Playwright's own build.
if ! command -v chromium >/dev/null 2>&1; then
  apt_install chromium || true
fi
if ! command -v chromium >/dev/null 2>&1 && [ -z "${PANTAU_CHROMIUM_PATH:-}" ]; then
  echo "no chromium package here; installing Playwright's Chromium"
  .venv/bin/python -m pip install -q playwright
  .venv/bin/python -m playwright install --with-deps chromium
  PANTAU_CHROMIUM_PATH=$(.venv/bin/python -c 'from playwright.sync_api import sync_playwright
with sync_playwright() as p: print(p.chromium.executable_path)')
  export PANTAU_CHROMIUM_PATH
fi
exec .venv/bin/python -m pytest "$@"

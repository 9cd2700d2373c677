#!/usr/bin/env bash
# Creates .venv and installs the project with the extras in SETUP_EXTRAS (default: all of them),
# at the versions of constraints.txt; re-installs only when pyproject.toml, constraints.txt or
# the extras changed. With every extra it also installs what the tests drive (Debian's chromium
# and promtool). Sourced by scripts/run (the platform's extras) and scripts/test (all).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
#: PyTorch's own index of CPU-only wheels: no CUDA libraries (several GB) come with them.
TORCH_CPU_INDEX=${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/pip install --quiet --upgrade pip
fi
SETUP_EXTRAS=${SETUP_EXTRAS:-all}
fingerprint=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
# An install of every extra serves a command that asks for fewer.
if [ ! -f ".venv/.installed-$fingerprint-$SETUP_EXTRAS" ] && [ ! -f ".venv/.installed-$fingerprint-all" ]; then
    # torch first, at the pinned release: the CPU build from PyTorch's index when it answers
    # within a few seconds, else the same release from the configured index.
    if .venv/bin/python -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/torch/", timeout=5)' \
        "$TORCH_CPU_INDEX" 2>/dev/null; then
        .venv/bin/pip install --quiet -c constraints.txt torch --index-url "$TORCH_CPU_INDEX"
    else
        echo "setup: $TORCH_CPU_INDEX not reachable; torch from the configured package index" >&2
        .venv/bin/pip install --quiet -c constraints.txt torch
    fi
    # A CUDA build names its nvidia-* libraries as requirements: refuse it rather than keep gigabytes.
    if ! .venv/bin/python -c 'import importlib.metadata as m, sys; sys.exit(any(r.startswith("nvidia-") for r in m.requires("torch") or []))'; then
        echo "setup: the torch installed is a CUDA build; install the CPU one (see README, Troubleshooting)" >&2
        exit 1
    fi
    .venv/bin/pip install --quiet -c constraints.txt -e ".[$SETUP_EXTRAS]"
    rm -f .venv/.installed-*
    touch ".venv/.installed-$fingerprint-$SETUP_EXTRAS"
fi
apt_install() {
    { apt-get install -y -q "$@" || { apt-get update -q && apt-get install -y -q "$@"; }; } > /dev/null
}
if [ "$SETUP_EXTRAS" = all ]; then
    # The console's browser test drives the system's chromium (Playwright's own download is not used).
    if [ ! -x /usr/bin/chromium ]; then
        if command -v apt-get > /dev/null; then
            echo "Installing chromium for the console's browser test (apt-get)..." >&2
            apt_install chromium chromium-driver ||
                echo "apt-get could not install chromium: tests/console/test_browser.py will fail until it is." >&2
        else
            echo "chromium is missing and apt-get is unavailable: install it at /usr/bin/chromium" \
                "for tests/console/test_browser.py." >&2
        fi
    fi
    # promtool (Debian's `prometheus` package) checks the alert rules in deploy/prometheus/ in the tests.
    if ! command -v promtool > /dev/null && command -v apt-get > /dev/null; then
        apt_install prometheus ||
            echo "could not install promtool (apt-get install prometheus): the alert-rule tests will fail" >&2
    fi
fi
export PATH="$PWD/.venv/bin:$PATH"

#!/usr/bin/env bash
# Creates .venv and installs the project with every extra; re-installs only when
# pyproject.toml changed. Sourced by scripts/run and scripts/test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Python 3.11 or newer is needed (set PYTHON=/path/to/python3.11)." >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
    .venv/bin/pip install --quiet --upgrade pip
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
    # torch first, pinned: any other version pulls gigabytes of CUDA builds.
    .venv/bin/pip install --quiet "torch==2.13.0"
    .venv/bin/pip install --quiet -e '.[all]'
    rm -f .venv/.installed-*
    touch "$stamp"
fi
# promtool (Debian's `prometheus` package) checks the alert rules in deploy/prometheus/ in the tests.
if ! command -v promtool > /dev/null && command -v apt-get > /dev/null; then
    { apt-get install -y -q prometheus || { apt-get update -q && apt-get install -y -q prometheus; }; } > /dev/null ||
        echo "could not install promtool (apt-get install prometheus): the alert-rule tests will fail" >&2
fi
export PATH="$PWD/.venv/bin:$PATH"

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
# The console's browser test drives the system's chromium (Playwright's own download is not used).
if [ ! -x /usr/bin/chromium ]; then
    if command -v apt-get >/dev/null 2>&1; then
        echo "Installing chromium for the console's browser test (apt-get)..." >&2
        apt-get install -y -q chromium chromium-driver >/dev/null \
            || echo "apt-get could not install chromium (run as root, or apt-get update first):" \
                "tests/console/test_browser.py will fail until it is installed." >&2
    else
        echo "chromium is missing and apt-get is unavailable: install chromium at /usr/bin/chromium" \
            "for tests/console/test_browser.py." >&2
    fi
fi
export PATH="$PWD/.venv/bin:$PATH"

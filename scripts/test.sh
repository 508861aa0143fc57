#!/usr/bin/env bash
# Install and run every test (unit, loader, pages via AppTest, and the real-browser suite in headless Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
mkdir -p artifacts
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"

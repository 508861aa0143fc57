#!/usr/bin/env bash
# Install and start the dashboard. With no database yet, the app builds the demo city (开封市) on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py "$@"

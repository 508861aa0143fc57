#!/usr/bin/env bash
# Install everything into .venv (and, when run as root, the Debian packages the browser tests and image exports
# need). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."
need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
# (grep without -q reads all of fc-list's output: with -q and pipefail, fc-list dies of SIGPIPE and the check fails)
fc-list 2>/dev/null | grep -i "Noto Sans CJK" >/dev/null || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "安装系统软件包 / installing Debian packages: ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "提示：缺少 ${need_apt[*]}（图片导出和浏览器测试需要）。请运行：sudo apt-get install ${need_apt[*]}" >&2
  fi
fi
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt

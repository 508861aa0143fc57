"""Append-only audit log (logins, failures, exports, unmasking), kept outside the loaded database so that many app
processes can share one read-only database file. One JSON object per line; a line is written with a single
O_APPEND write, so concurrent processes do not interleave within a line."""
from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from huxin.config import DATA_DIR


def app_dir() -> Path:
    """Where the app itself writes (accounts, audit): $ARREARS_APP_DIR, else data/app/."""
    p = Path(os.environ.get("ARREARS_APP_DIR", DATA_DIR / "app"))
    p.mkdir(parents=True, exist_ok=True)
    return p


def audit_path() -> Path:
    return app_dir() / "audit.jsonl"


def audit(event: str, user: str | None = None, **fields: Any) -> None:
    """Record an event. Never raises into the page: an unwritable log is reported on stderr."""
    rec = {"time": dt.datetime.now().isoformat(timespec="seconds"), "event": event, "user": user, **fields}
    line = (json.dumps(rec, ensure_ascii=False, default=str) + "\n").encode("utf-8")
    try:
        fd = os.open(audit_path(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o640)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as e:  # pragma: no cover - disk full / permissions
        import sys
        print(f"审计日志写入失败：{e}", file=sys.stderr)


def read_audit(limit: int = 1000) -> list[dict[str, Any]]:
    p = audit_path()
    if not p.exists():
        return []
    lines = p.read_text(encoding="utf-8").splitlines()[-limit:]
    return [json.loads(x) for x in lines if x.strip()]

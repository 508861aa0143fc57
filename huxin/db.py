"""The database file: one read-only connection per process for the app, atomic replacement for the ETL.

DuckDB allows one writing process and no readers beside it on the same file. So the ETL never writes the live file:
it copies it to a temporary file next to it, loads into the copy, checkpoints, and renames the copy over the live
file (``os.replace`` is atomic on POSIX). A running app keeps reading the old file through its open handle until its
next script run notices the new version (inode + mtime) and opens the new file. A load killed halfway leaves only a
temporary file, which the next writer (or app start) removes; the live file is never touched.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

SCHEMA_FILE = Path(__file__).parent / "sql" / "schema.sql"
TMP_MARK = ".tmp-"
DB_ALIAS = "live"


class DatabaseMissing(FileNotFoundError):
    pass


class WriterBusy(RuntimeError):
    """Another load holds the writer lock."""


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def version_of(path: Path) -> str:
    """A string that changes whenever the ETL swaps in a new file (cache key for st.cache_data)."""
    st = os.stat(path)
    return f"{st.st_ino}-{st.st_mtime_ns}-{st.st_size}"


# ---------------------------------------------------------------------------------------------
# Reader side (the app)
@dataclass
class _Reader:
    version: str
    con: duckdb.DuckDBPyConnection


_readers: dict[str, _Reader] = {}
_readers_lock = threading.Lock()


def reader(path: Path) -> tuple[str, duckdb.DuckDBPyConnection]:
    """(version, connection) for the current file; reopened when the ETL has swapped in a new file.

    Callers take ``con.cursor()`` per query: cursors are cheap and safe across Streamlit's script threads. The old
    connection is not closed explicitly — queries still running on it finish on the old file, and it is freed when
    the last cursor goes.
    """
    key = str(path)
    try:
        ver = version_of(path)
    except FileNotFoundError:
        raise DatabaseMissing(str(path)) from None
    r = _readers.get(key)
    if r is not None and r.version == ver:
        return ver, r.con
    with _readers_lock:
        r = _readers.get(key)
        if r is not None and r.version == ver:
            return ver, r.con
        # ATTACH into a private in-memory instance rather than duckdb.connect(path): DuckDB caches database
        # instances by file path, so a second connect() to the same path after a swap would hand back the old
        # file. Each version gets its own instance; old ones are freed when their last cursor closes.
        for _ in range(5):
            con = duckdb.connect(":memory:", config={"threads": 2})
            con.execute(f"ATTACH '{_sql_quote(key)}' AS {DB_ALIAS} (READ_ONLY)")
            # A swap between our stat and the ATTACH would label old data with the new version: re-check.
            ver_now = version_of(path)
            if ver_now == ver:
                break
            con.close()
            ver = ver_now
        _readers[key] = _Reader(ver, con)
        return ver, con


def cursor(path: Path) -> tuple[str, duckdb.DuckDBPyConnection]:
    """(version, a new cursor on the current file with the database selected). Close it when done."""
    ver, con = reader(path)
    cur = con.cursor()
    cur.execute(f"USE {DB_ALIAS}")
    return ver, cur


def _sql_quote(s: str) -> str:
    return s.replace("'", "''")


def forget_readers() -> None:
    with _readers_lock:
        _readers.clear()


# ---------------------------------------------------------------------------------------------
# Writer side (the ETL)
def stale_temp_files(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + TMP_MARK + "*"))


def cleanup_stale(path: Path) -> list[str]:
    """Remove temporary files left by a killed load, when no writer is running. Returns messages for the user."""
    msgs: list[str] = []
    if not path.parent.exists():
        return msgs
    lock = _lock_path(path)
    try:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return msgs
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return msgs  # a load is running right now: its temporary file is not stale
        for p in stale_temp_files(path):
            with contextlib.suppress(OSError):
                p.unlink()
                msgs.append(f"已清理上次中断的导入留下的临时文件 {p.name}（现有数据未受影响）")
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    # A .wal beside the live file can only come from a writer that opened the live file directly (never us);
    # DuckDB replays it on a read-write open, and a read-only open refuses it — so report it loudly.
    wal = path.with_name(path.name + ".wal")
    if wal.exists() and path.exists():
        msgs.append(f"发现数据库日志文件 {wal.name}：可能有其他程序直接写入过数据库，请运行 python -m etl status 检查。")
    return msgs


def init_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(SCHEMA_FILE.read_text(encoding="utf-8"))


@contextlib.contextmanager
def writer(path: Path, wait: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open a private copy of the database for writing; publish it atomically when the block succeeds.

    Only one writer at a time (an flock on ``<db>.lock``); a second load waits (or raises WriterBusy with
    ``wait=False``). If the block raises — or the process dies — the live file is unchanged.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise WriterBusy(str(path)) from None
        for p in stale_temp_files(path):
            with contextlib.suppress(OSError):
                p.unlink()
        tmp = path.with_name(f"{path.name}{TMP_MARK}{os.getpid()}")
        if path.exists():
            shutil.copyfile(path, tmp)
        con = duckdb.connect(str(tmp))
        try:
            init_schema(con)
            yield con
            con.execute("CHECKPOINT")
        except BaseException:
            con.close()
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        con.close()
        fd_tmp = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd_tmp)
        finally:
            os.close(fd_tmp)
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def publish(path: Path, built: Path) -> None:
    """Replace the live file with a database built elsewhere (the demo), under the same writer lock."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(path), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.replace(built, path)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def meta_get(con: duckdb.DuckDBPyConnection, key: str) -> str | None:
    rows = con.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchall()
    return rows[0][0] if rows else None


def meta_set(con: duckdb.DuckDBPyConnection, key: str, value: str) -> None:
    con.execute("DELETE FROM meta WHERE key = ?", [key])
    con.execute("INSERT INTO meta VALUES (?, ?)", [key, value])


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)

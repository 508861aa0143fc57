"""data.together: independent data functions run in threads, each reading the database version the run pinned."""
from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from huxin import data


def test_threads_read_the_pinned_version_after_a_swap(city_db: Path, tmp_path: Path,
                                                     use_db: Callable[[Path], Path]) -> None:
    live = use_db(tmp_path / "live.duckdb")
    shutil.copy(city_db, live)
    try:
        pinned = data.begin_run()
        # the ETL publishes a new file under the same name mid-run (atomic rename, as etl/load.py does)
        shutil.copy(city_db, tmp_path / "next.duckdb")
        os.replace(tmp_path / "next.duckdb", live)
        fresh: list[str] = []
        t = threading.Thread(target=lambda: fresh.append(data.data_version()))   # a thread of another run
        t.start()
        t.join()
        assert fresh[0] != pinned
        names: list[str] = []
        got = data.together(lambda: data.data_version(),
                            lambda: (names.append(threading.current_thread().name), data.data_version())[1],
                            lambda: int(data.query("SELECT count(*) AS n FROM clues")["n"].iloc[0]))
        assert got[:2] == [pinned, pinned] and got[2] > 1000
        assert names[0] != threading.current_thread().name                      # it did run in another thread
        assert data.data_version() == pinned                                    # this thread keeps its pin
    finally:
        data.end_run()


def test_results_in_order_and_errors_propagate() -> None:
    assert data.together(lambda: 1, lambda: 2, lambda: 3, workers=2) == [1, 2, 3]
    assert data.together(lambda: "alone") == ["alone"]

    def boom() -> None:
        raise ValueError("坏了")

    with pytest.raises(ValueError, match="坏了"):
        data.together(lambda: 1, boom)

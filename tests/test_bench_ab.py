"""bench/ab_browser.py's own logic: the paired differences it prints, its arguments, and the checkout it serves (the
browser rounds themselves are a benchmark, run by hand, not in the tests)."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench import ab_browser as AB
from huxin.snapshot import ROOT


def test_the_report_gives_each_versions_spread_and_the_median_of_the_paired_differences() -> None:
    a = {"map first": [1.0, 2.0, 4.0], "map again": [0.5]}
    b = {"map first": [2.0, 2.5, 3.0], "map again": [0.75]}
    lines = AB.report(a, b, "HEAD~1", ". X=1").splitlines()
    assert lines[0] == "| page, load | rounds | A: HEAD~1 s | B: . X=1 s | B − A, median of pairs s |"
    # pairs (1, 2), (2, 2.5), (4, 3): differences +1, +0.5, -1 -> median +0.5
    assert lines[2] == "| map first | 3 | 2.00 [1.00–4.00] | 2.50 [2.00–3.00] | +0.50 |"
    assert lines[3] == "| map again | 1 | 0.500 [0.500–0.500] | 0.750 [0.750–0.750] | +0.25 |"


def test_the_paired_median_is_not_the_difference_of_the_medians() -> None:
    a = {"p first": [1.0, 5.0, 9.0]}
    b = {"p first": [2.0, 4.0, 12.0]}     # differences +1, -1, +3 -> +1; medians 5 and 4 -> -1
    assert AB.report(a, b, "a", "b").splitlines()[2].endswith("| +1.00 |")
    assert AB.report({"p first": [1.0]}, {"p first": [0.999]}, "a", "b").splitlines()[2].endswith("| +0.00 |")


def test_environment_arguments() -> None:
    assert AB.parse_env(["ARREARS_PLOT_MAX_COUNTIES=0", "X=a=b"]) == {"ARREARS_PLOT_MAX_COUNTIES": "0", "X": "a=b"}
    with pytest.raises(SystemExit, match="NAME=VALUE"):
        AB.parse_env(["ARREARS_PLOT_MAX_COUNTIES"])


def test_the_working_tree_is_served_as_it_is(tmp_path: Path) -> None:
    with AB.checkout(".", tmp_path / "a") as root:
        assert root == ROOT
    assert list(tmp_path.iterdir()) == []


def git(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", "-C", str(ROOT), *args], check=False, capture_output=True, text=True)


def _in_git() -> bool:
    return git("rev-parse", "HEAD").returncode == 0


@pytest.mark.skipif(not _in_git(), reason="not a git checkout")
def test_a_revision_is_served_from_a_worktree_removed_afterwards(tmp_path: Path) -> None:
    # the same revision as A and as B (one of them with other environment variables): two worktrees
    with AB.checkout("HEAD", tmp_path / "a") as root, AB.checkout("HEAD", tmp_path / "b") as other:
        assert root != ROOT and (root / "app.py").exists() and (root / "pages").is_dir()
        assert other != root and (other / "app.py").exists()
        assert str(root) in git("worktree", "list").stdout
    assert not root.exists() and not other.exists()
    assert str(root) not in git("worktree", "list").stdout

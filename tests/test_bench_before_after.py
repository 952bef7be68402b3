"""bench/before_after.py keeps every run: a new one goes on top, the earlier ones stay below it."""

from __future__ import annotations

from pathlib import Path

from bench.before_after import with_earlier_runs

TITLE = "# REST latency"


def test_a_new_run_goes_first_and_the_earlier_runs_stay(tmp_path: Path) -> None:
    results = tmp_path / "before_after.md"
    results.write_text(with_earlier_runs(results, TITLE, ["## first run", "p50: 1.07x"]), encoding="utf-8")
    results.write_text(with_earlier_runs(results, TITLE, ["## second run", "p50: 1.01x"]), encoding="utf-8")
    text = results.read_text(encoding="utf-8")
    assert text.count(TITLE) == 1
    assert text.index("## second run") < text.index("## first run")
    assert "p50: 1.07x" in text and "p50: 1.01x" in text

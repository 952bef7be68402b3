"""The real-message development set: its manifest holds labels and no text, its sources are not the evaluation
set's, and the readers it added (any table, a JSON list of records, CONAN pairs) take the right rows. Samples
here are our own wordings, never fetched text."""

from __future__ import annotations

import dataclasses
import json
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import evaluate_real, real_set
from scripts.nlu_files import PROJECT_ROOT

LABEL_KEYS = {"source", "row", "language", "intents", "emergency", "netiquette", "category", "mask"}
EVAL_CATEGORIES = {label.category for label in real_set.load_manifest()[1]}


BASE = real_set.Source(name="s", repo="o/r", path="p", commit="c", licence="MIT", format="table")


def sample(**fields: Any) -> real_set.Source:
    return dataclasses.replace(BASE, **fields)


def test_the_development_manifest_labels_every_message_with_known_doors_and_holds_no_text() -> None:
    sources, labels = real_set.load_manifest(real_set.DEV_MANIFEST)
    raw = yaml.safe_load(real_set.DEV_MANIFEST.read_text(encoding="utf-8"))
    intents = set(yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    assert all(set(item) <= LABEL_KEYS for item in raw["labels"]), "a label carries more than ids and judgements"
    assert len({(label.source, label.row) for label in labels}) == len(labels)
    assert len(labels) >= 250 and sum(label.language == "fr" for label in labels) >= 110
    for label in labels:
        assert label.source in sources and label.language in ("fr", "en"), label
        assert label.intents and set(label.intents) <= intents, label
        assert label.emergency in real_set.EMERGENCY_KINDS and set(label.netiquette) <= set(real_set.RULES), label
        assert label.category in EVAL_CATEGORIES, label  # the evaluation set's kinds, so the two compare
        assert ("netiquette_violation" in label.intents) <= bool(label.netiquette), label
        assert all(kind == "NAME" or f"[{kind}]" in real_set.STAND_INS for _, _, kind in label.mask), label
    emergencies = [label for label in labels if label.emergency != "none"]
    assert all("report_life_threatening_emergency" in label.intents for label in emergencies)
    assert all(s.format in real_set.READERS for s in sources.values())
    assert set(sources) == {label.source for label in labels}, "a source without a label"


def test_the_development_set_shares_no_source_file_with_the_evaluation_set() -> None:
    evaluation, _ = real_set.load_manifest()
    development, _ = real_set.load_manifest(real_set.DEV_MANIFEST)
    taken = {(s.repo, s.path) for s in evaluation.values()}
    assert not {(s.repo, s.path) for s in development.values()} & taken
    assert not set(development) & set(evaluation), "a source name means two files"


def test_the_development_set_covers_every_rule_and_both_languages_kinds() -> None:
    _, labels = real_set.load_manifest(real_set.DEV_MANIFEST)
    kinds = Counter((label.language, label.category) for label in labels)
    for language in ("fr", "en"):
        for category in ("emergency_address", "abuse", "political", "request", "ordinary"):
            assert kinds[(language, category)] >= 2, (language, category)
    rules = {rule for label in labels for rule in label.netiquette}
    assert rules >= {"abuse", "political", "solicitation", "personal_information"}


def test_the_table_reader_takes_the_key_and_text_columns_of_a_csv_or_tsv() -> None:
    csv_data = (
        "tweet id, tweet, label\n'401',\"Arbre tombé sur les fils, rue Maple\",on-topic\n'402',\"beau temps\",off\n"
    )
    rows = dict(real_set.READERS["table"](csv_data.encode(), sample(key="tweet id", column="tweet")))
    assert rows == {"401": "Arbre tombé sur les fils, rue Maple", "402": "beau temps"}
    tsv_data = "\ufeffid\ttweet\tsubtask_a\n7\t@USER what a clown\tOFF\n"
    rows = dict(real_set.READERS["table"](tsv_data.encode(), sample(key="id", column="tweet", delimiter="\t")))
    assert rows == {"7": "@USER what a clown"}


def test_the_table_reader_numbers_the_rows_of_a_file_without_header() -> None:
    data = 'spam,"Check my channel http://example.com"\nham,"Still the best song"\n'
    source = sample(column="content", fieldnames=("class", "content"))
    assert dict(real_set.READERS["table"](data.encode(), source)) == {
        "1": "Check my channel http://example.com",
        "2": "Still the best song",
    }


def test_the_json_reader_takes_each_records_key_and_text() -> None:
    data = json.dumps([{"id": "31", "description": "Pothole by the school"}, {"id": "32", "description": None}])
    rows = dict(real_set.READERS["json_records"](data.encode(), sample(key="id", column="description")))
    assert rows == {"31": "Pothole by the school", "32": ""}


def test_the_conan_reader_gives_the_hate_speech_and_the_answer_their_own_rows() -> None:
    data = "cn_id,hateSpeech,counterSpeech,hsType\nFRT1X,Ces gens-là sont tous pareils.,Vous généralisez.,x\n"
    rows = dict(real_set.READERS["conan_csv"](data.encode(), sample(format="conan_csv")))
    assert rows == {"FRT1X:hs": "Ces gens-là sont tous pareils.", "FRT1X:cn": "Vous généralisez."}


def test_a_snapshot_with_a_work_tree_is_read_through_its_git_directory(tmp_path: Path) -> None:
    (tmp_path / "a+b" / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "c+d" / "repo").mkdir(parents=True)
    assert real_set.mirror_of("a/b", tmp_path) == tmp_path / "a+b" / "repo" / ".git"
    assert real_set.mirror_of("c/d", tmp_path) == tmp_path / "c+d" / "repo"


def test_the_development_set_builds_beside_the_evaluation_set_with_its_own_sources_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "issues.json").write_text(json.dumps([{"id": 5, "description": "Lampadaire éteint au parc"}]))
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "issues.json"], check=True)
    subprocess.run([*git, "commit", "-qm", "data"], check=True)
    commit = subprocess.run([*git[:3], "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(tmp_path / "mirrors" / "city+issues" / "repo")])
    manifest = tmp_path / "manifest.yml"
    source = {"repo": "city/issues", "path": "issues.json", "commit": commit, "licence": "MIT"}
    manifest.write_text(
        yaml.safe_dump(
            {
                "sources": {"scf": source | {"format": "json_records", "key": "id", "column": "description"}},
                "labels": [{"source": "scf", "row": "5", "language": "fr", "intents": ["report_problem"]}],
            }
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("REAL_SET_DIR", str(tmp_path / "realdata"))
    out = real_set.set_directory("dev")
    assert out == tmp_path / "realdata" / "dev" and evaluate_real.set_path("dev") == out / real_set.SET_FILE
    messages = real_set.build(tmp_path / "mirrors", out, manifest, real_set.SETS["dev"])
    assert [m.text for m in evaluate_real.load_real_set(name="dev")] == ["Lampadaire éteint au parc"]
    assert messages[0]["id"] == "scf:5"
    sources_md = (out / "SOURCES.md").read_text(encoding="utf-8")
    assert sources_md.startswith("# Sources of the real-message development set")
    assert "`python -m scripts.real_set --set dev`" in sources_md and "never train on them" in sources_md
    assert evaluate_real.load_real_set() == []  # the evaluation set is elsewhere, and not built here


def test_without_the_development_set_the_measure_says_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REAL_SET_DIR", str(tmp_path / "nowhere"))
    assert evaluate_real.load_real_set(name="dev") == []
    advice = evaluate_real.how_to_get_the_set("dev")
    assert "python -m scripts.real_set --set dev" in advice and "tests/evaluation/real_dev/manifest.yml" in advice

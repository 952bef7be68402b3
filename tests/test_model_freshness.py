"""The model is stale exactly when something that shapes it changed (scripts/model_freshness.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scripts.model_freshness import fingerprint, is_fresh, training_inputs
from scripts.nlu_files import PROJECT_ROOT


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what training reads, plus a module no component imports."""
    for name in ("config.yml", "domain.yml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    for folder in ("data", "pointe_claire"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def test_inputs_follow_the_components_imports_to_helper_modules() -> None:
    inputs = {str(path.relative_to(PROJECT_ROOT)) for path in training_inputs()}
    assert {"config.yml", "domain.yml", "pointe_claire/nlu/tokenizer.py"} <= inputs
    assert "pointe_claire/text_normalization.py" in inputs  # imported by the tokenizer, not named in config.yml
    assert "pointe_claire/policies/repeated_comment.py" in inputs
    assert any(name.startswith("data/nlu/") for name in inputs)
    assert "pointe_claire/channels/x.py" not in inputs and "review/app.py" not in inputs


@pytest.mark.parametrize(
    ("changed", "stale"),
    [
        ("pointe_claire/text_normalization.py", True),
        ("config.yml", True),
        ("domain.yml", True),
        ("pointe_claire/channels/x.py", False),  # a channel shapes no model
    ],
)
def test_fingerprint_changes_exactly_with_what_shapes_the_model(project: Path, changed: str, stale: bool) -> None:
    before = fingerprint(project)
    with (project / changed).open("a", encoding="utf-8") as file:
        file.write("\n# edited\n")
    assert (fingerprint(project) != before) is stale


def test_a_new_training_file_makes_the_model_stale(project: Path) -> None:
    model = project / "models" / "pointe-claire.tar.gz"
    model.parent.mkdir()
    model.write_bytes(b"model")
    assert not is_fresh(model, project)  # no fingerprint stored beside it: trained by hand, unknown inputs
    model.with_name(model.name + ".fingerprint").write_text(fingerprint(project) + "\n")
    assert is_fresh(model, project)
    (project / "data" / "nlu" / "fr" / "new_topic.yml").write_text('version: "3.1"\nnlu: []\n', encoding="utf-8")
    assert not is_fresh(model, project)

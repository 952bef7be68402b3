"""The trainer's workflow of docs/trainers.md: `make new-intent`, `make validate`, `make report`, on a project copy.

`test_slow_the_guides_worked_example_end_to_end` is the slow one (it trains a model: 3-5 minutes on 2 cores);
the others take seconds. /work/main's data is never touched: everything runs in a temporary copy.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
import yaml

from pointe_claire.city_facts import load_city_facts
from scripts.baseline import MIN_NOISE, baseline, keep_if_committed, noise_band
from scripts.evaluate import F1_BAR
from scripts.intent_scores import score
from scripts.model_freshness import fingerprint
from scripts.new_intent import main as new_intent
from scripts.nlu_files import evaluation_examples
from scripts.report import LanguageReport, change, to_json, write_report
from scripts.servers import http, running_assistant
from scripts.validate_project import SHOWN_PER_INTENT, Project, check_new_intent_overlaps, new_intents
from tests.test_project_checks import ROOT, copy_project, errors, make

GUIDE = ROOT / "docs" / "trainers.md"
MODEL_NAME = "models/pointe-claire.tar.gz"
WEBHOOKS_WITHOUT_KEYS = (
    ("GET", "/webhooks/x/webhook?crc_token=abc"),
    ("POST", "/webhooks/x/webhook"),
    ("GET", "/webhooks/facebook/webhook?hub.verify_token=&hub.challenge=1"),
    ("POST", "/webhooks/facebook/webhook"),
)
_BLOCK = re.compile(r'```yaml title="([^"]+)"\n(.*?)```', re.DOTALL)


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


def guide_blocks() -> dict[str, str]:
    """The worked example's YAML, by the title the guide gives it (a file, or a file and what to do with it)."""
    return dict(_BLOCK.findall(GUIDE.read_text(encoding="utf-8")))


def apply_guide(project: Path) -> None:
    """Does what the guide tells the trainer after `make new-intent`: fill the stubs, add held-out messages."""
    for title, block in guide_blocks().items():
        path, _, what = title.partition(": ")
        target = project / path
        text = target.read_text(encoding="utf-8")
        if not what:
            target.write_text(block, encoding="utf-8")
        elif what == "add at the end":
            target.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
        else:  # a response of domain.yml: its stub, up to the next blank line, is replaced
            start = text.index(f"  {what}:\n")
            end = text.find("\n\n", start)
            target.write_text(text[:start] + block + (text[end + 1 :] if end != -1 else ""), encoding="utf-8")


def test_the_guides_blocks_are_yaml_and_name_what_new_intent_writes():
    blocks = guide_blocks()
    assert set(blocks) == {
        "data/nlu/fr/volunteering.yml",
        "data/nlu/en/volunteering.yml",
        "domain.yml: utter_volunteering",
        "tests/evaluation/nlu_fr.yml: add at the end",
        "tests/evaluation/nlu_en.yml: add at the end",
    }
    for block in blocks.values():
        assert yaml.safe_load(block)
    for language in ("fr", "en"):
        examples = yaml.safe_load(blocks[f"data/nlu/{language}/volunteering.yml"])["nlu"][0]["examples"]
        assert examples.count("\n- ") + 1 >= 25


def test_new_intent_adds_to_an_existing_topic_and_refuses_bad_or_taken_names(tmp_path: Path):
    project = copy_project(tmp_path)
    before = yaml.safe_load((project / "data/nlu/fr/requests.yml").read_text(encoding="utf-8"))["nlu"]
    assert new_intent(["ask_snow_parking", "--topic", "requests", "--root", str(project)]) == 0
    after = yaml.safe_load((project / "data/nlu/fr/requests.yml").read_text(encoding="utf-8"))["nlu"]
    assert after[:-1] == before and after[-1]["intent"] == "ask_snow_parking"
    rules = yaml.safe_load((project / "data/rules/requests.yml").read_text(encoding="utf-8"))["rules"]
    assert rules[-1]["steps"] == [{"intent": "ask_snow_parking"}, {"action": "utter_snow_parking"}]

    domain = (project / "domain.yml").read_text(encoding="utf-8")
    for name in ("ask_snow_parking", "Ask-Parking", "ask parking", "ask_jobs", ""):
        assert new_intent([name, "--root", str(project)]) == 2
    assert new_intent(["ask_job_fair", "--topic", "Jobs!", "--root", str(project)]) == 2
    assert new_intent(["request_jobs", "--root", str(project)]) == 2  # utter_jobs is taken
    assert (project / "domain.yml").read_text(encoding="utf-8") == domain


@pytest.mark.parametrize(
    ("current", "previous", "verdict"),
    [(0.9, None, "new"), (0.9, 0.8, "better"), (0.8, 0.9, "worse"), (0.9, 0.898, "same")],
)
def test_report_calls_a_change_better_worse_same_or_new(current: float, previous: float | None, verdict: str):
    assert change(current, previous, MIN_NOISE)[0] == verdict


def test_a_change_within_the_measured_noise_is_the_same():
    noise = {"seeds": [42, 7], "languages": {"fr": {"weighted_f1": 0.01, "per_intent": {"ask_jobs": 0.04}}}}
    assert change(0.90, 0.93, noise_band(noise, "fr", "ask_jobs")) == ("same", "-0.030")
    assert change(0.90, 0.95, noise_band(noise, "fr", "ask_jobs")) == ("worse", "-0.050")
    assert noise_band(noise, "fr", "ask_events") == 0.04  # not measured: the largest band of its language
    assert noise_band(noise, "fr", None) == 0.01 and noise_band(None, "fr", "ask_jobs") == MIN_NOISE


def check_new_intent_stubs(project: Path) -> None:
    """The real `make new-intent`: stubs in both languages, inserted into domain.yml, which `make validate` names."""
    original_domain = (project / "domain.yml").read_text(encoding="utf-8").splitlines()
    run = make(project, "new-intent", "NAME=ask_volunteering")
    assert run.returncode == 0, run.stderr
    for path in ("data/nlu/fr/volunteering.yml", "data/nlu/en/volunteering.yml", "data/rules/volunteering.yml"):
        assert path in run.stdout and (project / path).exists()
    domain_text = (project / "domain.yml").read_text(encoding="utf-8")
    domain = yaml.safe_load(domain_text)
    assert "ask_volunteering" in domain["intents"]
    conditions = [v["condition"][0]["value"] for v in domain["responses"]["utter_volunteering"]]
    assert conditions == ["fr", "en"]
    # Inserted, not re-dumped: every original line (comments included) is still there, in order.
    new_lines = iter(domain_text.splitlines())
    assert all(any(line == new for new in new_lines) for line in original_domain)

    validate = make(project, "validate")
    assert validate.returncode != 0
    found = errors(validate)
    assert any(e.startswith("data/nlu/fr/volunteering.yml:") and "has 3 French examples" in e for e in found)
    assert any(e.startswith("data/nlu/en/volunteering.yml:") and "has 3 English examples" in e for e in found)
    assert sum("is a placeholder" in e for e in found) == 6
    assert any(re.match(r"domain\.yml:\d+: response 'utter_volunteering' still has a placeholder", e) for e in found)


@pytest.mark.slow  # trains a model (about 5 minutes): `make test` runs it in its second pytest, beside the rest
@pytest.mark.conversation  # the shared model too, asked for in the test (request.getfixturevalue)
def test_slow_the_guides_worked_example_end_to_end(tmp_path: Path, request: pytest.FixtureRequest):
    """new-intent, the guide's blocks, validate, train, report: the new intent is recognised in both languages."""
    project = copy_project(_folder(tmp_path / "project"))
    check_new_intent_stubs(project)
    apply_guide(project)
    validate = make(project, "validate")
    assert validate.returncode == 0, validate.stdout[-3000:]
    # Quiet when it passes: one line, no command echoed, none of Rasa's progress bars or expected warnings.
    [line] = validate.stdout.splitlines()
    assert line.startswith("Project checks passed") and "rasa data validate passed" in line
    assert validate.stderr == ""
    # The trainer's training needs no model of ours: it runs while `make train` trains the shared one.
    train = make(project, "train", timeout=1800)
    assert train.returncode == 0 and "rasa train" in train.stdout, train.stdout[-3000:] + train.stderr[-3000:]

    # The report the trainer had before the change (what the next report compares with): the shared model on an
    # unchanged copy (a copy is no git checkout, so it has no baseline of a last commit). Asked for only now, so
    # that the training above did not wait for it.
    trained_model: Path = request.getfixturevalue("trained_model")
    before = copy_project(_folder(tmp_path / "before"))
    (before / "models").mkdir()
    shutil.copy2(trained_model, before / MODEL_NAME)
    # Its fingerprint too: the copy's files are the same, so `make report` finds it fresh and does not retrain.
    stamp = trained_model.with_name(trained_model.name + ".fingerprint")
    shutil.copy2(stamp, before / (MODEL_NAME + ".fingerprint"))
    # The earlier report is needed for its held-out scores only. The shared model's answers to the safety sets are
    # tested through REST in the main pytest (tests/test_safety_through_model.py, tests/test_evaluation.py), so this
    # copy's safety sets are emptied: three parses in five, on the suite's slowest path. Its gate still reads the
    # held-out set's emergencies and ordinary messages.
    for path in (before / "tests" / "safety").glob("emergencies_*.yml"):
        path.write_text("messages: []\n", encoding="utf-8")
    (before / "tests" / "safety" / "lookalikes.yml").write_text("messages: {fr: [], en: []}\n", encoding="utf-8")
    first = make(before, "report", "-o", MODEL_NAME)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    assert "Safety gate passed" in first.stdout
    shutil.copytree(before / "reports", project / "reports")

    report = make(project, "report", timeout=1800)  # the model is fresh: no second training
    assert report.returncode == 0, report.stdout[-3000:] + report.stderr[-3000:]
    assert "rasa train" not in report.stdout and "Safety gate passed" in report.stdout
    result = json.loads((project / "reports/report.json").read_text(encoding="utf-8"))
    previous = json.loads((project / "reports/previous/report.json").read_text(encoding="utf-8"))
    assert previous["model"]["sha256"] != result["model"]["sha256"]
    for language in ("fr", "en"):
        scores = result["languages"][language]
        volunteering = scores["per_intent"]["ask_volunteering"]
        assert volunteering["support"] == 8
        assert volunteering["recall"] >= 0.75, scores["misclassified"]
        assert volunteering["precision"] >= 0.75, scores["misclassified"]
        assert scores["weighted_f1"] >= F1_BAR
        assert result["changes"][language]["ask_volunteering"]["verdict"] == "new"
        assert result["changes"][language]["ask_jobs"]["verdict"] in {"better", "worse", "same"}
        # The 8 new held-out messages per language are new to the comparison: said, not counted as changes.
        assert result["held_out_changes"][language]["added"] == 8
    page = (project / "reports/index.html").read_text(encoding="utf-8")
    assert "Compared with the report of" in page and "<code>ask_volunteering</code>" in page
    assert "The held-out set itself changed since" in page
    assert page.count('<img src="data:image/png;base64,') == 2
    # What a resident receives from the retrained assistant: the guide's reply, in their language, with the facts.
    facts = load_city_facts().variables
    with running_assistant(project / MODEL_NAME, tmp_path / "assistant") as assistant:
        french = assistant.reply_text(f"trainer-{uuid.uuid4().hex[:12]}", "j'aimerais devenir bénévole pour la ville")
        english = assistant.reply_text(f"trainer-{uuid.uuid4().hex[:12]}", "how do I become a volunteer with the city")
        refusals = [
            http(method, assistant.base_url + path, b"{}" if method == "POST" else None)
            for method, path in WEBHOOKS_WITHOUT_KEYS
        ]
    assert "Merci de vouloir donner de votre temps!" in french and facts["web_home_fr"] in french
    assert "Thank you for wanting to give your time!" in english and facts["web_home_en"] in english
    assert facts["phone_general"] in french and facts["phone_general"] in english
    assert "Thank you" not in french and "Merci" not in english
    # Started as `make run` starts it, with none of the City's keys (a laptop, CI): X and Facebook answer 503 in
    # both languages, and the resident was answered all the same (above).
    for status, body in refusals:
        answer = json.loads(body)
        assert status == 503 and "not configured" in answer["error"] and "pas configuré" in answer["error_fr"]
    log = (assistant.workdir / "rasa.log").read_text(errors="replace")
    assert log.count("The x channel received a request but is not configured") == 1  # logged once, not per call


def test_report_page_shows_what_got_worse_and_each_mistakes_top_3(tmp_path: Path):
    """The page from given predictions (the model's part is the slow test's): comparison, mistakes, pictures."""
    examples = [ex for ex in evaluation_examples("fr") if ex.intent in ("ask_jobs", "ask_events")][:20]
    rankings = [[(ex.intent, 0.9), ("greet", 0.05), ("thank", 0.01)] for ex in examples]
    wrong = next(i for i, ex in enumerate(examples) if ex.intent == "ask_jobs")
    rankings[wrong] = [("ask_events", 0.6), ("ask_jobs", 0.35), ("greet", 0.01)]
    gold = score(examples, [r[0] for r in rankings], "fr")
    reports = {"fr": LanguageReport(gold, rankings, examples)}
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"first model")
    folder = tmp_path / "reports"
    first = write_report(reports, model, folder)
    assert all(c == {"verdict": "—", "f1_delta": ""} for c in first["changes"]["fr"].values())

    model.write_bytes(b"second model")  # a retrained model: the first report becomes the previous one
    reports["fr"].scores.per_intent["ask_jobs"] = (1.0, 0.5, 0.667, 10)
    second = write_report(reports, model, folder)
    jobs_before = first["languages"]["fr"]["per_intent"]["ask_jobs"]["f1"]
    assert second["changes"]["fr"]["ask_jobs"] == {"verdict": "worse", "f1_delta": f"{0.667 - jobs_before:+.3f}"}
    assert second["changes"]["fr"]["ask_events"]["verdict"] == "same"
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert re.search(r'<tr class="worse"><th scope="row"><code>ask_jobs</code>', page)
    assert html.escape(examples[wrong].text) in page
    assert "<code>ask_events</code> 0.60<br><code>ask_jobs</code> 0.35<br><code>greet</code> 0.01" in page
    assert page.count('<img src="data:image/png;base64,') == 1 and (folder / "confusion_fr.png").stat().st_size > 0
    assert (folder / "previous" / "report.json").exists()
    assert second["languages"]["fr"]["confused_pairs"] == [
        {"intents": ["ask_events", "ask_jobs"], "a_as_b": 0, "b_as_a": 1}
    ]
    assert "<code>ask_events</code> ↔ <code>ask_jobs</code>" in page


def test_report_lists_every_answer_that_changed_since_the_baseline(tmp_path: Path):
    """Against the baseline (the last commit's model), each held-out message whose answer changed is listed."""
    examples = [ex for ex in evaluation_examples("en") if ex.intent in ("ask_jobs", "ask_events")][:12]
    right = [[(ex.intent, 0.9)] for ex in examples]
    before, now = list(right), list(right)
    before[0] = [("greet", 0.8)]  # the baseline got the first message wrong
    now[1] = [("greet", 0.7)]  # today's model gets the second one wrong
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"baseline")
    reference = to_json({"en": LanguageReport(score(examples, [r[0] for r in before], "en"), before, examples)}, model)
    model.write_bytes(b"today")
    current_report = LanguageReport(score(examples[:-1], [r[0] for r in now[:-1]], "en"), now[:-1], examples[:-1])
    named = ("the model of the last commit, 1a2b3c4d5e6f (the baseline)", reference)
    current = write_report({"en": current_report}, model, tmp_path / "reports", reference=named)

    rows = {(row["text"], row["verdict"], row["before"], row["now"]) for row in current["changed_answers"]["en"]}
    assert rows == {
        (examples[0].text, "fixed", "greet", examples[0].intent),
        (examples[1].text, "broken", examples[1].intent, "greet"),
    }
    assert current["held_out_changes"]["en"] == {"added": 0, "removed": 1}
    page = (tmp_path / "reports" / "index.html").read_text(encoding="utf-8")
    assert "Compared with the model of the last commit, 1a2b3c4d5e6f (the baseline)" in page
    assert "Answers that changed (2)" in page and html.escape(examples[1].text) in page
    assert "The held-out set itself changed since (en: 0 added, 1 removed)" in page


def committed_checkout(folder: Path, model_bytes: bytes) -> tuple[Path, str, Path]:
    """A project copy made a git checkout of one commit, with a model trained (stamped) from that commit's files."""
    folder.mkdir(exist_ok=True)
    project = copy_project(folder)
    git = ["git", "-C", str(project), "-c", "user.name=Trainer", "-c", "user.email=trainer@example.org"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "data"]):
        subprocess.run([*git, *command], check=True, capture_output=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    model = project / MODEL_NAME
    model.parent.mkdir()
    model.write_bytes(model_bytes)
    model.with_name(model.name + ".fingerprint").write_text(fingerprint(project) + "\n")
    return project, commit, model


def test_the_baseline_is_the_last_commits_model_and_needs_a_git_checkout(tmp_path: Path):
    project, commit, model_now = committed_checkout(tmp_path / "checkout", b"today's model")

    # Nothing that shapes the model changed since the commit: today's model is the baseline, nothing is trained.
    found = baseline(project, model_now)
    assert found is not None and found.commit == commit
    assert found.model == project / "models" / "baseline" / f"{commit[:12]}.tar.gz"
    assert found.model.read_bytes() == b"today's model"

    (tmp_path / "copy").mkdir()
    assert baseline(copy_project(tmp_path / "copy")) is None  # a copied project has no last commit


def test_the_commits_model_is_kept_as_its_baseline_before_a_change_retrains_it(tmp_path: Path):
    project, commit, model = committed_checkout(tmp_path / "checkout", b"the commit's model")
    with (project / "data/nlu/en/events.yml").open("a", encoding="utf-8") as data:
        data.write("    - anything on at the chalet this saturday\n")  # the trainer's change: make train is next

    older = project / "models" / "baseline" / "0123456789ab.tar.gz"  # an earlier commit's baseline
    older.parent.mkdir()
    older.write_bytes(b"an earlier commit's model")
    keep_if_committed(model, project)
    found = baseline(project, model)  # no training: the commit's model was kept
    assert not older.exists()  # only the last commit's baseline is kept
    assert found is not None and found.model.read_bytes() == b"the commit's model"
    assert found.model.name == f"{commit[:12]}.tar.gz"


# A topic split out of ask_city_services (whose examples and held-out messages ask about the library's hours).
LIBRARY_HOURS = {
    "en": [
        "what are the hours of the library this weekend",  # held-out 'what are the library hours this weekend'
        "library hours this weekend?",
        "is the library open today",
        "when does the library close tonight",
    ],
    "fr": ["heures de la bibliothèque en fin de semaine svp", "la bibliothèque ouvre à quelle heure"],
}


def git(project: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-C", str(project), "-c", "user.name=trainer", "-c", "user.email=trainer@example.org", *arguments],
        check=True,
        capture_output=True,
    )


def committed_project(tmp_path: Path) -> Path:
    """What the overlap warnings read (domain, examples, held-out messages), committed in a git repository."""
    for name in ("domain.yml", "city_facts.yml"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("data", "tests/evaluation"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    git(tmp_path, "init", "-q")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "the project as it is")
    return tmp_path


def write_examples(project: Path, intent: str, topic: str, examples: dict[str, list[str]]) -> None:
    """The stubs' TODO examples replaced, as the trainer does."""
    for language, texts in examples.items():
        path = project / "data" / "nlu" / language / f"{topic}.yml"
        head = path.read_text(encoding="utf-8").split("  examples: |\n")[0]
        path.write_text(head + "  examples: |\n" + "".join(f"    - {text}\n" for text in texts), encoding="utf-8")


def test_validate_warns_when_a_new_intents_examples_are_close_to_another_intents(tmp_path: Path):
    project = committed_project(tmp_path)
    assert new_intent(["ask_library_hours", "--root", str(project)]) == 0
    loaded = Project.load(project)
    assert new_intents(loaded) == {"ask_library_hours"}
    assert check_new_intent_overlaps(loaded, {"ask_library_hours"}) == []  # TODO stubs: nothing to compare yet

    write_examples(project, "ask_library_hours", "library_hours", LIBRARY_HOURS)
    warnings = [str(w) for w in check_new_intent_overlaps(Project.load(project), {"ask_library_hours"})]
    assert 0 < len(warnings) <= SHOWN_PER_INTENT + 1
    # Each names the new example's file:line, the close message's file:line and the intent that holds it.
    assert any(
        re.match(r"data/nlu/en/library_hours\.yml:\d+: new intent 'ask_library_hours': 'what are the hours of", w)
        and re.search(
            r"held-out message 'what are the library hours this weekend' of intent 'ask_city_services' at "
            r"tests/evaluation/nlu_en\.yml:\d+",
            w,
        )
        for w in warnings
    ), warnings
    assert any(
        re.search(r"the example '[^']*library[^']*' of intent 'ask_city_services' at data/nlu/en/requests\.yml:\d+", w)
        for w in warnings
    ), warnings
    assert any(w.startswith("data/nlu/fr/library_hours.yml:") and "nlu_fr.yml:" in w for w in warnings), warnings

    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "ask_library_hours")
    assert new_intents(Project.load(project)) == set()  # committed: no longer new, no more warnings


def test_outside_git_no_intent_is_new_and_the_project_is_quiet():
    assert new_intents(Project.load(ROOT)) <= set(yaml.safe_load((ROOT / "domain.yml").read_text())["intents"])
    copy = Project.load(ROOT)
    copy.root = Path("/nonexistent-project")
    assert new_intents(copy) == set()


def test_new_intent_says_what_to_run_next_and_what_validate_will_warn_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    (tmp_path / "data" / "rules").mkdir(parents=True)
    for language in ("fr", "en"):
        (tmp_path / "data" / "nlu" / language).mkdir(parents=True)
    shutil.copy2(ROOT / "domain.yml", tmp_path / "domain.yml")
    assert new_intent(["ask_library_hours", "--root", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "Run:  make validate" in out
    assert "warns when an example of 'ask_library_hours' is close to" in out
    for section in ("Splitting a topic out of an existing intent", "Adding an intent, end to end"):
        assert f"'{section}'" in out and f"## {section}" in GUIDE.read_text(encoding="utf-8")


def test_against_a_baseline_a_new_intent_is_new_and_new_held_out_messages_are_not_changes(tmp_path: Path):
    """The baseline is scored on today's held-out set, but it is compared on what its commit had and knew."""
    examples = [ex for ex in evaluation_examples("fr") if ex.intent in ("ask_jobs", "ask_events")][:10]
    newcomer = examples[-1]  # stands for a held-out message of the trainer's new intent
    right = [[(ex.intent, 0.9)] for ex in examples]
    before = [*right[:-1], [("ask_events", 0.5)]]  # the commit's model could not know the new intent
    model = tmp_path / "model.tar.gz"
    model.write_bytes(b"baseline")
    reference = to_json({"fr": LanguageReport(score(examples, [r[0] for r in before], "fr"), before, examples)}, model)
    reference["intents"] = sorted({"ask_jobs", "ask_events"} - {newcomer.intent})  # the commit's domain
    reference["held_out"] = {"fr": [[ex.text, ex.intent] for ex in examples[:-1]]}
    model.write_bytes(b"today")
    current = write_report(
        {"fr": LanguageReport(score(examples, [r[0] for r in right], "fr"), right, examples)},
        model,
        tmp_path / "reports",
        reference=("the model of the last commit, 1a2b3c4d5e6f (the baseline)", reference),
    )
    assert current["held_out_changes"]["fr"] == {"added": 1, "removed": 0}
    assert current["changed_answers"]["fr"] == []  # the new message was not in the commit's held-out set
    assert current["changes"]["fr"][newcomer.intent]["verdict"] == "new"  # even with an F1 in the reference

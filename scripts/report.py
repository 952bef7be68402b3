"""`make report`: how well the trained model recognises intents on the held-out set, as one page a trainer opens,
behind the safety gate (scripts/safety_gate.py): `make report` fails, naming each message, when the model misses
an emergency or raises a false alarm that the baseline did not have.

Loads models/pointe-claire.tar.gz in-process (the same NLU pipeline the deployed assistant runs: classifier,
fallback, language detector, safety net), parses every message of tests/evaluation/, and compares it with the baseline
(scripts/baseline.py: the model of the last commit, on today's held-out set; outside a git checkout, the previous
report). Writes under reports/: index.html (scores per language and intent, better/worse beyond run-to-run noise,
every held-out message whose answer changed, confusion matrices, misclassified messages with their top-3
intents), report.json, and the confusion-matrix PNGs. The previous report is kept in reports/previous/.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import html
import json
import shutil
import sys
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from scripts import quiet, safety_gate
from scripts.baseline import Baseline, baseline, committed, measured_noise, noise_band
from scripts.intent_scores import LanguageScores, Ranking, parse_rankings, score
from scripts.model_freshness import MODEL
from scripts.nlu_files import LANGUAGES, PROJECT_ROOT, Example, evaluation_examples
from scripts.safety_gate import LanguageSafety

REPORTS = PROJECT_ROOT / "reports"
LANGUAGE_LABELS = {"fr": "Français / French", "en": "English / Anglais"}


@dataclass
class LanguageReport:
    scores: LanguageScores
    rankings: list[Ranking]  # top-3 intents of each message, in the order of the evaluation file
    examples: list[Example]


def evaluate(model: Path = MODEL) -> tuple[dict[str, LanguageReport], dict[str, LanguageSafety]]:
    """The held-out scores per language and the safety gate's findings, from one load of the model."""
    examples = {language: evaluation_examples(language) for language in LANGUAGES}
    cases = safety_gate.safety_cases()
    texts = list(
        dict.fromkeys([*(ex.text for language in LANGUAGES for ex in examples[language]), *(c.text for c in cases)])
    )
    ranked = dict(zip(texts, asyncio.run(parse_rankings(model, texts)), strict=True))
    reports = {}
    for language in LANGUAGES:
        rankings = [ranked[ex.text] for ex in examples[language]]
        scores = score(examples[language], [ranking[0] for ranking in rankings], language)
        reports[language] = LanguageReport(scores, rankings, examples[language])
    return reports, safety_gate.judge(cases, [ranked[case.text][0][0] for case in cases])


def to_json(reports: dict[str, LanguageReport], model: Path) -> dict[str, Any]:
    return {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "model": {"path": model.name, "sha256": _sha256(model)},
        "languages": {
            language: {
                "messages": len(r.examples),
                "accuracy": r.scores.accuracy,
                "weighted_f1": r.scores.weighted_f1,
                "macro_f1": r.scores.macro_f1,
                "per_intent": {
                    intent: {"precision": p, "recall": rc, "f1": f1, "support": n}
                    for intent, (p, rc, f1, n) in r.scores.per_intent.items()
                },
                "confused_pairs": confused_pairs(r),
                # Every held-out message's answer: what the next report (or a baseline) is compared with.
                "answers": [
                    [ex.text, ex.intent, ranking[0][0]] for ex, ranking in zip(r.examples, r.rankings, strict=True)
                ],
                "misclassified": [
                    {"text": ex.text, "intent": ex.intent, "where": ex.where, "top3": ranking}
                    for ex, ranking in zip(r.examples, r.rankings, strict=True)
                    if ranking[0][0] != ex.intent
                ],
            }
            for language, r in reports.items()
        },
    }


def confused_pairs(report: LanguageReport) -> list[dict[str, Any]]:
    """Pairs of intents the model mixes up, most mistakes first: both directions together, since they overlap."""
    counts: dict[tuple[str, str], int] = {}
    for ex, ranking in zip(report.examples, report.rankings, strict=True):
        if ranking[0][0] != ex.intent:
            counts[(ex.intent, ranking[0][0])] = counts.get((ex.intent, ranking[0][0]), 0) + 1
    pairs = {(min(pair), max(pair)) for pair in counts}
    return sorted(
        ({"intents": [a, b], "a_as_b": counts.get((a, b), 0), "b_as_a": counts.get((b, a), 0)} for a, b in pairs),
        key=lambda p: (-(p["a_as_b"] + p["b_as_a"]), p["intents"]),
    )


def change(current: float, previous: float | None, noise: float) -> tuple[str, str]:
    """('better'|'worse'|'same'|'new', signed delta) for one F1 against the reference; within `noise` it is the same
    (two trainings of the same data differ that much)."""
    if previous is None:
        return "new", ""
    delta = current - previous
    if abs(delta) <= noise:
        return "same", f"{delta:+.3f}"
    return ("better" if delta > 0 else "worse"), f"{delta:+.3f}"


def compare(
    current: dict[str, Any], reference: dict[str, Any] | None, noise: dict[str, Any] | None = None
) -> dict[str, dict[str, tuple[str, str]]]:
    """Per language and intent: better, worse, same or new, with the F1 delta ('—' with nothing to compare with)."""
    result: dict[str, dict[str, tuple[str, str]]] = {}
    for language, data in current["languages"].items():
        if reference is None:
            result[language] = {intent: ("—", "") for intent in data["per_intent"]}
            continue
        before = reference.get("languages", {}).get(language, {}).get("per_intent", {})
        known = set(reference.get("intents") or before)  # a baseline says which intents its model was taught
        result[language] = {
            intent: change(
                scores["f1"],
                before[intent]["f1"] if intent in before and intent in known else None,
                noise_band(noise, language, intent),
            )
            for intent, scores in data["per_intent"].items()
        }
    return result


def _reference_held_out(reference: dict[str, Any] | None, language: str) -> set[tuple[str, str]]:
    """The held-out messages (text, intent) the reference was measured against: a baseline's are those of its
    commit; a previous report's, those it scored."""
    if reference is None:
        return set()
    if "held_out" in reference:
        return {(text, intent) for text, intent in reference["held_out"].get(language, [])}
    return {(t, i) for t, i, _ in reference.get("languages", {}).get(language, {}).get("answers", [])}


def changed_answers(current: dict[str, Any], reference: dict[str, Any] | None) -> dict[str, list[dict[str, str]]]:
    """Per language, the held-out messages (in both sets) whose answer differs from the reference's: fixed (now
    right), broken (was right) or changed (wrong both times)."""
    result: dict[str, list[dict[str, str]]] = {}
    for language, data in current["languages"].items():
        before = {
            text: answer
            for text, _, answer in (reference or {}).get("languages", {}).get(language, {}).get("answers", [])
        }
        held_out_before = {text for text, _ in _reference_held_out(reference, language)}
        rows = []
        for text, intent, answer in data["answers"]:
            if text in before and text in held_out_before and before[text] != answer:
                verdict = "fixed" if answer == intent else "broken" if before[text] == intent else "changed"
                rows.append({"text": text, "intent": intent, "before": before[text], "now": answer, "verdict": verdict})
        result[language] = rows
    return result


def held_out_changes(current: dict[str, Any], reference: dict[str, Any] | None) -> dict[str, dict[str, int]]:
    """Per language, how many held-out messages were added and removed since the reference's (its commit's)."""
    result = {}
    for language, data in current["languages"].items():
        now = {(text, intent) for text, intent, _ in data["answers"]}
        before = _reference_held_out(reference, language)
        result[language] = {"added": len(now - before), "removed": len(before - now)}
    return result


def confusion_png(report: LanguageReport, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix

    gold = [ex.intent for ex in report.examples]
    predicted = [ranking[0][0] for ranking in report.rankings]
    labels = sorted(set(gold) | set(predicted))
    matrix = confusion_matrix(gold, predicted, labels=labels)
    size = max(6.0, 0.42 * len(labels) + 3)
    figure, axes = plt.subplots(figsize=(size, size))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels=labels, rotation=90, fontsize=8)
    axes.set_yticks(range(len(labels)), labels=labels, fontsize=8)
    axes.set_xlabel("predicted intent / intention prédite")
    axes.set_ylabel("intended intent / intention attendue")
    for i in range(len(labels)):
        for j in range(len(labels)):
            if matrix[i, j]:
                colour = "white" if matrix[i, j] > matrix.max() / 2 else "black"
                axes.text(j, i, str(matrix[i, j]), ha="center", va="center", fontsize=7, color=colour)
    axes.set_title(f"Confusion matrix / Matrice de confusion — {report.scores.language}")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)


def _e(value: object) -> str:
    return html.escape(str(value))


def _row(cells: list[str], header: bool = False) -> str:
    first = f'<th scope="row">{cells[0]}</th>' if header else f"<td>{cells[0]}</td>"
    return "<tr>" + first + "".join(f"<td>{c}</td>" for c in cells[1:]) + "</tr>"


def _safety_html(current: dict[str, Any]) -> list[str]:
    """The safety section, first on the page: recall and false alarms per language, and what fails the gate."""
    safety, failing = current.get("safety"), current.get("safety_failures") or []
    if not safety:
        return []
    verdict = "FAILED / ÉCHEC" if failing else "passed / réussi"
    parts = [
        f'<section aria-labelledby="h-safety"><h2 id="h-safety">Safety gate / Sécurité: {verdict}</h2>',
        "<p>Emergencies: <code>tests/safety/emergencies_*.yml</code> and the held-out emergencies; ordinary messages: "
        "<code>tests/safety/lookalikes.yml</code> and the rest of the held-out set.</p>",
        "<table><tr><th scope='col'>language</th><th scope='col'>emergencies recognised</th>"
        "<th scope='col'>false alarms</th></tr>",
    ]
    for language, data in safety.items():
        recognised = data["emergencies"] - len(data["missed"])
        parts.append(
            _row(
                [
                    _e(LANGUAGE_LABELS.get(language, language)),
                    f"{recognised}/{data['emergencies']} ({data['recall']:.1%})",
                    f"{len(data['false_alarms'])}/{data['ordinary']} ({data['false_alarm_rate']:.1%})",
                ],
                header=True,
            )
        )
    parts.append("</table>")
    if failing:
        parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in failing) + "</ul>")
    parts.append("</section>")
    return parts


def _comparison_html(current: dict[str, Any], noise: dict[str, Any] | None) -> str:
    """What the report is compared with, whether the held-out set itself changed since, and the noise band."""
    if not current.get("compared_with"):
        return "Nothing to compare with yet: the next report will be compared with this one."
    text = f"Compared with {_e(current['compared_with'])}, scored on today's held-out messages. "
    moved = {lang: c for lang, c in current.get("held_out_changes", {}).items() if c["added"] or c["removed"]}
    if moved:
        text += (
            "The held-out set itself changed since ("
            + "; ".join(f"{_e(lang)}: {c['added']} added, {c['removed']} removed" for lang, c in moved.items())
            + "): the new messages count in today's scores, not among the answers that changed. "
        )
    if noise:
        text += (
            f"An intent is called better or worse only beyond the run-to-run noise measured by training the same "
            f"data with {len(noise['seeds'])} seeds (bench/results/seed_noise.md): up to "
            + ", ".join(
                f"{_e(lang)} ±{max(data['per_intent'].values(), default=0):.3f} per intent, "
                f"±{data['weighted_f1']:.3f} weighted F1"
                for lang, data in noise["languages"].items()
            )
            + "."
        )
    return text


def _changed_answers_html(language: str, rows: list[dict[str, str]]) -> list[str]:
    if not rows:
        return []
    parts = [
        f"<table><caption>Answers that changed ({len(rows)}) / Réponses changées</caption><tr>"
        "<th scope='col'>message</th><th scope='col'>written for</th><th scope='col'>before</th>"
        "<th scope='col'>now</th><th scope='col'></th></tr>"
    ]
    classes = {"fixed": "better", "broken": "worse", "changed": "same"}
    for row in sorted(rows, key=lambda r: ("broken", "changed", "fixed").index(r["verdict"])):
        parts.append(
            f'<tr class="{classes[row["verdict"]]}"><td lang="{_e(language)}">{_e(row["text"])}</td>'
            f"<td><code>{_e(row['intent'])}</code></td><td><code>{_e(row['before'])}</code></td>"
            f"<td><code>{_e(row['now'])}</code></td><td>{_e(row['verdict'])}</td></tr>"
        )
    parts.append("</table>")
    return parts


def render_html(
    current: dict[str, Any],
    previous: dict[str, Any] | None,
    images: dict[str, Path],
    changes: dict[str, Any],
    noise: dict[str, Any] | None = None,
) -> str:
    parts = [
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>Intent report / Rapport des intentions — Pointe-Claire</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:70rem;margin:1rem auto;padding:0 1rem;line-height:1.4}"
        "table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #888;padding:.25rem .5rem;text-align:left}"
        "td.n{text-align:right}.worse{background:#fde2e2}.better{background:#e2f5e2}img{max-width:100%}</style>",
        "</head>\n<body>\n<main>",
        '<h1>Intent report <span lang="fr">/ Rapport des intentions</span></h1>',
        f"<p>Model <code>{_e(current['model']['path'])}</code> scored on the held-out set "
        f"(<code>tests/evaluation/</code>, never trained on), {_e(current['created'])}. "
        + _comparison_html(current, noise)
        + ' How to read it: <a href="../docs/trainers.md">docs/trainers.md</a>.</p>',
        *_safety_html(current),
        "<table><caption>Summary / Sommaire</caption>",
        "<tr><th scope='col'>language</th><th scope='col'>messages</th><th scope='col'>accuracy</th>"
        "<th scope='col'>weighted F1</th><th scope='col'>before</th><th scope='col'>misclassified</th>"
        "<th scope='col'>intents better / worse</th><th scope='col'>answers fixed / broken</th></tr>",
    ]
    for language, data in current["languages"].items():
        before = (previous or {}).get("languages", {}).get(language, {}).get("weighted_f1")
        verdicts = [v for v, _ in changes[language].values()]
        answers = [row["verdict"] for row in current.get("changed_answers", {}).get(language, [])]
        parts.append(
            _row(
                [
                    _e(LANGUAGE_LABELS.get(language, language)),
                    str(data["messages"]),
                    f"{data['accuracy']:.3f}",
                    f"{data['weighted_f1']:.3f}",
                    f"{before:.3f}" if before is not None else "—",
                    str(len(data["misclassified"])),
                    f"{verdicts.count('better')} / {verdicts.count('worse')}",
                    f"{answers.count('fixed')} / {answers.count('broken')}",
                ],
                header=True,
            )
        )
    parts.append("</table>")
    for language, data in current["languages"].items():
        label = LANGUAGE_LABELS.get(language, language)
        parts.append(f'<section lang="{language}" aria-labelledby="h-{language}">')
        parts.append(f'<h2 id="h-{language}">{_e(label)}</h2>')
        parts.append(f"<table><caption>Per intent ({_e(language)}) / Par intention</caption><tr>")
        for title in ("intent", "precision", "recall", "F1", "messages", "vs previous", "F1 change"):
            parts.append(f"<th scope='col'>{title}</th>")
        parts.append("</tr>")
        for intent, s in sorted(data["per_intent"].items(), key=lambda item: item[1]["f1"]):
            verdict, delta = changes[language][intent]
            parts.append(
                f'<tr class="{verdict}"><th scope="row"><code>{_e(intent)}</code></th>'
                f'<td class="n">{s["precision"]:.2f}</td><td class="n">{s["recall"]:.2f}</td>'
                f'<td class="n">{s["f1"]:.2f}</td><td class="n">{s["support"]}</td>'
                f'<td>{verdict}</td><td class="n">{delta}</td></tr>'
            )
        parts.append("</table>")
        parts.extend(_changed_answers_html(language, current.get("changed_answers", {}).get(language, [])))
        image = images[language]
        encoded = base64.b64encode(image.read_bytes()).decode("ascii")
        parts.append(
            f"<h3>Confusion matrix / Matrice de confusion</h3><p>Rows: the intent each message was written for; "
            f"columns: what the model chose. Every number off the diagonal is a mistake "
            f'(<a href="{_e(image.name)}">{_e(image.name)}</a>).</p>'
            f'<img src="data:image/png;base64,{encoded}" alt="Confusion matrix of the {_e(label)} held-out messages; '
            f'the tables above and below give the same numbers.">'
        )
        if data["confused_pairs"]:
            parts.append(
                "<table><caption>Intents mixed up / Intentions confondues</caption><tr><th scope='col'>intents</th>"
                "<th scope='col'>first taken for second</th><th scope='col'>second taken for first</th></tr>"
            )
            for pair in data["confused_pairs"]:
                a, b = pair["intents"]
                parts.append(
                    f"<tr><td><code>{_e(a)}</code> ↔ <code>{_e(b)}</code></td>"
                    f'<td class="n">{pair["a_as_b"]}</td><td class="n">{pair["b_as_a"]}</td></tr>'
                )
            parts.append("</table>")
        parts.append(
            f"<table><caption>Misclassified messages ({len(data['misclassified'])}) / Messages mal classés</caption>"
            "<tr><th scope='col'>message</th><th scope='col'>written for</th>"
            "<th scope='col'>top 3 intents (confidence)</th><th scope='col'>file</th></tr>"
        )
        for item in data["misclassified"]:
            top3 = "<br>".join(f"<code>{_e(name)}</code> {confidence:.2f}" for name, confidence in item["top3"])
            parts.append(
                f"<tr><td>{_e(item['text'])}</td><td><code>{_e(item['intent'])}</code></td><td>{top3}</td>"
                f"<td><code>{_e(item['where'])}</code></td></tr>"
            )
        parts.append("</table></section>")
    parts.append("</main>\n</body>\n</html>\n")
    return "\n".join(parts)


def write_report(
    reports: dict[str, LanguageReport],
    model: Path,
    folder: Path = REPORTS,
    safety: dict[str, LanguageSafety] | None = None,
    reference: tuple[str, dict[str, Any]] | None = None,
    noise: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Writes index.html, report.json and the PNGs; keeps the last report of a different model in previous/.

    `reference` is what to compare with, named ("the model of the last commit, 1a2b3c4d5e6f"): the baseline; the
    previous report without one. Within `noise` (scripts/baseline.noise_band) an intent's F1 is the same."""
    folder.mkdir(parents=True, exist_ok=True)
    current = to_json(reports, model)
    if safety is not None:
        current["safety"] = safety_gate.to_json(safety)
    latest, kept = folder / "report.json", folder / "previous" / "report.json"
    if latest.exists():
        last = json.loads(latest.read_text(encoding="utf-8"))
        if last.get("model", {}).get("sha256") != current["model"]["sha256"]:
            kept.parent.mkdir(exist_ok=True)
            shutil.copy2(latest, kept)
    previous = json.loads(kept.read_text(encoding="utf-8")) if kept.exists() else None
    if reference is None and previous is not None:
        reference = (f"the report of {previous['created']}", previous)
    name, compared = reference if reference is not None else (None, None)
    images = {}
    for language, report in reports.items():
        images[language] = folder / f"confusion_{language}.png"
        confusion_png(report, images[language])
    changes = compare(current, compared, noise)
    current["compared_with"] = name
    current["changes"] = {
        language: {intent: {"verdict": v, "f1_delta": d} for intent, (v, d) in per.items()}
        for language, per in changes.items()
    }
    current["changed_answers"] = changed_answers(current, compared)
    current["held_out_changes"] = held_out_changes(current, compared) if compared else {}
    if safety is not None:
        current["safety_failures"] = safety_gate.failures(safety, safety_gate.known_alarms(compared))
    latest.write_text(json.dumps(current, ensure_ascii=False, indent=1), encoding="utf-8")
    page = render_html(current, compared, images, changes, noise)
    (folder / "index.html").write_text(page, encoding="utf-8")
    return current


def scored_reference(found: Baseline, current_model: Path, current: tuple[Any, Any]) -> dict[str, Any]:
    """The baseline model's report on today's held-out set, kept beside it (scored again when the set changes)."""
    if _sha256(found.model) == _sha256(current_model):
        reports, safety = current  # nothing that shapes the model changed since the commit
        return {**to_json(reports, found.model), "safety": safety_gate.to_json(safety), **committed(found.commit)}
    texts = [ex.text + "\t" + ex.intent for language in LANGUAGES for ex in evaluation_examples(language)]
    texts += [case.text for case in safety_gate.safety_cases()]
    key = hashlib.sha256("\n".join(texts).encode("utf-8")).hexdigest()[:12]
    cached = found.model.with_name(found.model.name.removesuffix(".tar.gz") + f".scored-{key}.json")
    if cached.is_file():
        kept = dict(json.loads(cached.read_text(encoding="utf-8")))
        if "held_out" in kept:  # scored by this version of the report
            return kept
    reports, safety = evaluate(found.model)
    scored = {**to_json(reports, found.model), "safety": safety_gate.to_json(safety), **committed(found.commit)}
    cached.write_text(json.dumps(scored, ensure_ascii=False), encoding="utf-8")
    return scored


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", type=Path, default=MODEL, help="default: models/pointe-claire.tar.gz")
    parser.add_argument("--progress", action="store_true", help="show Rasa's progress bars and library warnings")
    parser.add_argument(
        "--gate-only", action="store_true", help="the safety gate alone, no page (make validate GATE=1)"
    )
    args = parser.parse_args(argv[1:])
    quiet.quiet_this_process(args.progress)
    model = args.model
    if not model.exists():
        print(f"error: no model at {model}: run `make train` (or `make report`, which trains first)")
        return 1
    found = baseline(progress=args.progress)
    reports, safety = evaluate(model)
    reference = None
    if found is not None:
        scored = scored_reference(found, model, (reports, safety))
        reference = (f"the model of the last commit, {found.commit[:12]} (the baseline)", scored)
    if args.gate_only:
        print(safety_gate.summary(safety))
        return _gate_verdict(
            safety_gate.failures(safety, safety_gate.known_alarms(reference[1] if reference else None))
        )
    current = write_report(reports, model, safety=safety, reference=reference, noise=measured_noise())
    print(safety_gate.summary(safety))
    for language, data in current["languages"].items():
        worse = [i for i, c in current["changes"][language].items() if c["verdict"] == "worse"]
        print(
            f"[{language}] weighted F1 {data['weighted_f1']:.3f}, accuracy {data['accuracy']:.3f}, "
            f"{len(data['misclassified'])} misclassified"
            + (f"; worse than before: {', '.join(worse)}" if worse else "")
        )
        answers = [row["verdict"] for row in current["changed_answers"][language]]
        if answers:
            print(
                f"[{language}] answers changed: {answers.count('fixed')} fixed, {answers.count('broken')} broken, "
                f"{answers.count('changed')} wrong both times (listed in the report)"
            )
    print(f"Report: {REPORTS / 'index.html'}")
    return _gate_verdict(current["safety_failures"])


def _gate_verdict(failing: list[str]) -> int:
    if failing:
        print("\nSafety gate FAILED: the model misses an emergency or raises a new false alarm. Add examples or")
        print("lexicon patterns for these (docs/trainers.md, The safety gate), retrain and run make report again:")
        print("\n".join(f"  {line}" for line in failing))
        return 1
    print("Safety gate passed: every emergency recognised, no new false alarm.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

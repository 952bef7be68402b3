"""`make validate`'s first step: Rasa's own `rasa data validate --fail-on-warnings`, with an exit status to trust.

Rasa 3.6 prints two kinds of warning yet exits 0 even with --fail-on-warnings (rasa/validator.py keeps
`everything_is_alright = ignore_warnings or everything_is_alright`): an intent of the domain without training
examples, and a response no story or rule uses. This runs the command and fails on every Rasa warning the project
does not explain (intents our NLU components set or turn into another, or that only a button opens; responses our
Python sends), naming the line of domain.yml to open. Rasa's own output (progress bars, the expected warnings) is
shown only when it fails, or with --verbose.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from pointe_claire.netiquette import LEARNED_RULES
from scripts.nlu_files import PROJECT_ROOT
from scripts.validate_project import (
    UNTRAINED_INTENTS,
    Project,
    button_only_intents,
    domain_line_number,
    responses_sent_by_code,
    sent_by_code,
)

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_RASA_WARNING = re.compile(r"/rasa/[\w/]+\.py:\d+: UserWarning: (.+)")
_UNTRAINED_INTENT = re.compile(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU")
_UNUSED_INTENT = re.compile(r"The intent '(\w+)' is not used in any story or rule")
_UNUSED_RESPONSE = re.compile(r"The utterance '(\w+)' is not used in any story or rule")


def rasa_warnings(output: str) -> list[str]:
    """The warnings Rasa's validator raised (not the libraries' deprecation notices)."""
    return [m.group(1).strip() for m in _RASA_WARNING.finditer(_ANSI.sub("", output))]


def unexplained(warnings: list[str], root: Path, sent: tuple[set[str], set[str]] | None = None) -> list[str]:
    """Warnings that point at a real problem, each prefixed with the domain.yml line it is about. `sent`: the
    responses our code sends (`responses_sent_by_code(root)`), when the caller has them already."""
    sent = responses_sent_by_code(root) if sent is None else sent

    def where(needle: str) -> str:
        line = domain_line_number(root, needle)
        return f"domain.yml:{line}" if line else "rasa data validate"

    untrained = UNTRAINED_INTENTS | button_only_intents(Project.load(root))
    problems = []
    for warning in warnings:
        if (intent := _UNTRAINED_INTENT.search(warning)) and intent.group(1) in untrained:
            continue
        if (intent := _UNUSED_INTENT.search(warning)) and intent.group(1) in LEARNED_RULES:
            continue  # the NetiquetteFlagger turns it into netiquette_violation, which a rule answers
        if (response := _UNUSED_RESPONSE.search(warning)) and sent_by_code(response.group(1), sent):
            continue
        name = re.search(r"'(\w+)'", warning)
        needle = "" if not name else (f"{name.group(1)}:" if response else f"- {name.group(1)}")
        problems.append(f"{where(needle) if needle else 'rasa data validate'}: {warning}")
    return problems


def main(root: Path = PROJECT_ROOT, verbose: bool = False, quiet: bool = False) -> int:
    """Runs Rasa's validation; prints its output only when it fails (or `verbose`), and a passing line unless
    `quiet` (make validate prints one line for all its checks)."""
    rasa = Path(sys.executable).with_name("rasa")
    run = subprocess.run(
        [str(rasa), "data", "validate", "--fail-on-warnings"], cwd=root, capture_output=True, text=True
    )
    problems = unexplained(rasa_warnings(run.stdout + run.stderr), root)
    failed = run.returncode != 0 or bool(problems)
    if failed or verbose:
        sys.stdout.write(run.stdout)
        sys.stderr.write(run.stderr)
    for problem in problems:
        print(f"error: {problem}")
    if failed:
        print(f"rasa data validate: {len(problems)} warning(s) treated as errors, exit status {run.returncode}.")
        return 1
    if not quiet:
        print(f"rasa data validate passed ({EXPECTED_WARNINGS}).")
    return 0


# Said once when Rasa's validation passes: what its hidden warnings were, and how to see them.
EXPECTED_WARNINGS = (
    "Rasa's warnings about intents our components set and responses our code sends are expected; "
    "VERBOSE=1 shows its output"
)


if __name__ == "__main__":
    sys.exit(main(verbose="--verbose" in sys.argv[1:]))

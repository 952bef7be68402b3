"""What Rasa and its libraries print that a trainer need not read: progress bars, INFO lines, deprecation notices.

`make train`, `make report` and `make evaluate` print only their own lines unless asked (`VERBOSE=1`, which passes
--progress). Rasa draws every progress bar it has (epochs, story blocks, trackers) with tqdm's
`disable=rasa.shared.utils.io.is_logging_disabled()`, true when its LOG_LEVEL is WARNING or ERROR: LOG_LEVEL=WARNING
turns them all off, and Rasa's INFO lines with them, never its warnings or errors. The libraries' DeprecationWarnings
(TensorFlow, jax, matplotlib, pyparsing, click) are about their own code, and Rasa 3.6 warns that "slot auto-fill has
been removed" each time it reads any domain with slots: those are not shown. A warning filter cannot hide them
(sanic puts its own "once" filter for DeprecationWarning first when Rasa imports it), so the display is filtered
(`warnings.showwarning`, Python's documented hook).

`python -m scripts.quiet rasa train ...` runs Rasa's command line the same way.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, TextIO

# Read by Rasa itself (rasa.shared.constants.ENV_LOG_LEVEL), not by the project: hence not in pointe_claire/settings.
RASA_LOG_LEVEL = "LOG_LEVEL"
QUIET_LOG_LEVEL = "WARNING"
# Rasa warnings that say nothing about this project's files (rasa/shared/core/slot_mappings.py warns on every load).
KNOWN_BENIGN_WARNINGS = ("Slot auto-fill has been removed in 3.0",)
EXPLAINED_KINDS = ("is listed in the domain file, but is not found in the NLU", "is not used in any story or rule")


def environment(progress: bool, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a Rasa subprocess: no progress bars unless `progress`; a LOG_LEVEL the user set wins."""
    values = dict(os.environ if base is None else base)
    if not progress:
        values.setdefault(RASA_LOG_LEVEL, QUIET_LOG_LEVEL)
    return values


def is_noise(message: Warning | str, category: type[Warning]) -> bool:
    return issubclass(category, DeprecationWarning) or str(message).startswith(KNOWN_BENIGN_WARNINGS)


def explained_by_the_project(message: Warning | str, root: Path) -> bool:
    """Rasa's warnings about an intent our components set or a response our code sends, which `make validate`
    explains once (scripts/rasa_validate.py): training repeats them each time."""
    text = str(message)
    if not any(kind in text for kind in EXPLAINED_KINDS):
        return False
    from scripts.rasa_validate import unexplained  # only when such a warning comes: it reads the project

    return not unexplained([text], root, _responses_sent_by_code(root))


@lru_cache(maxsize=4)
def _responses_sent_by_code(root: Path) -> tuple[set[str], set[str]]:
    """Read once per process (0.6 s): a training prints a dozen such warnings, and its code does not change."""
    from scripts.validate_project import responses_sent_by_code

    return responses_sent_by_code(root)


def quiet_this_process(progress: bool) -> None:
    """No progress bars and no library noise from Rasa loaded in this process; call before importing Rasa."""
    if progress:
        return
    os.environ.setdefault(RASA_LOG_LEVEL, QUIET_LOG_LEVEL)
    shown = warnings.showwarning

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> Any:
        if not is_noise(message, category) and not explained_by_the_project(message, Path.cwd()):
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show


def run_rasa(arguments: list[str]) -> None:
    """Rasa's command line (`rasa train ...`) in this process, quiet."""
    quiet_this_process(progress=False)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    if sys.argv[1:2] != ["rasa"]:
        sys.exit("usage: python -m scripts.quiet rasa <rasa arguments>")
    run_rasa(sys.argv[2:])

"""Reads moderation.yml, the file Communications staff edit: which netiquette rules hide a public comment by
themselves (off by default), the election periods during which partisan content is hidden, the escalation for
repeat offenders, and the policy clause each rule breaks, in French and English.

Read by the channels when a comment arrives (`pointe_claire.channels.auto_hide`) and by the review app's moderation
queue. Re-read when the file changes, so an edit needs no restart. A file that cannot be read hides nothing: hiding
residents' comments is the one thing that must not start by mistake.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from pointe_claire.city_facts import PROJECT_ROOT
from pointe_claire.names import ENGLISH, LANGUAGES, NETIQUETTE_RULES, POLITICAL, THREAT

logger = logging.getLogger(__name__)

DEFAULT_PATH = PROJECT_ROOT / "moderation.yml"
SWITCHES = (THREAT, *NETIQUETTE_RULES)  # what `auto_hide` may turn on
QUOTED = (*SWITCHES, "repeated")  # every rule the queue shows, each with its clause (`repeated`: the policy's)


@dataclass(frozen=True)
class ModerationSettings:
    auto_hide: frozenset[str] = frozenset()
    election_periods: tuple[tuple[date, date], ...] = ()
    clauses: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    days: int = 90
    hide_from: int = 2
    ban_from: int = 3

    def in_election_period(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.election_periods)

    def rule_to_hide(self, records: Iterable[Mapping[str, Any]], day: date) -> str | None:
        """The first rule of the message's netiquette records that hides it by itself today, or None. A threat is
        its own setting (`threat`), as is partisan content outside an election period (never)."""
        for record in records:
            rule = str(record.get("rule") or "")
            if record.get("threat") is True and THREAT in self.auto_hide:
                return THREAT
            if rule == POLITICAL and not self.in_election_period(day):
                continue
            if rule in self.auto_hide:
                return rule
        return None

    def clause(self, rule: str, language: str | None) -> str:
        """The policy clause `rule` breaks, in `language` (English when not given one); "" for a rule without one."""
        texts = self.clauses.get(rule) or {}
        return texts.get(language or ENGLISH) or texts.get(ENGLISH) or ""

    def next_step(self, violations: int) -> str:
        """The City's escalation for an account with this many violations in the last `days` days."""
        if violations >= self.ban_from:
            return "ban_proposal"
        return "hide" if violations >= self.hide_from else "reminder"


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def parse(raw: Mapping[str, Any]) -> ModerationSettings:
    switches = raw.get("auto_hide") or {}
    escalation = raw.get("escalation") or {}
    clauses = {
        str(rule): {code: str(texts[code]) for code in LANGUAGES if texts.get(code)}
        for rule, texts in (raw.get("clauses") or {}).items()
        if isinstance(texts, Mapping)
    }
    return ModerationSettings(
        auto_hide=frozenset(str(rule) for rule, on in switches.items() if on is True),
        election_periods=tuple(
            (_day(period["start"]), _day(period["end"])) for period in raw.get("election_periods") or ()
        ),
        clauses=clauses,
        days=int(escalation.get("days", 90)),
        hide_from=int(escalation.get("hide_from", 2)),
        ban_from=int(escalation.get("ban_from", 3)),
    )


def problems(raw: Any) -> list[str]:
    """What `make validate` reports in moderation.yml: unknown or non-boolean switches, a rule without its clause
    in French and English, unreadable periods or steps."""
    if not isinstance(raw, Mapping):
        return ["the file must be a mapping"]
    found = [
        f"auto_hide: {rule!r} must be one of {SWITCHES}, set to true or false"
        for rule, on in (raw.get("auto_hide") or {}).items()
        if rule not in SWITCHES or not isinstance(on, bool)
    ]
    clauses = raw.get("clauses") or {}
    found += [
        f"clauses: {rule} needs its clause in {code}"
        for rule in QUOTED
        for code in LANGUAGES
        if not (isinstance(clauses.get(rule), Mapping) and clauses[rule].get(code))
    ]
    try:
        parse(raw)
    except (ValueError, TypeError, KeyError) as error:
        found.append(f"election_periods or escalation: {error}")
    return found


_cache: dict[Path, tuple[tuple[int, int], ModerationSettings]] = {}


def moderation_settings(path: Path | str | None = None) -> ModerationSettings:
    """The file's settings, read again when it changed; nothing hidden automatically when it cannot be read."""
    source = Path(path) if path else DEFAULT_PATH
    try:
        status = source.stat()
        changed = (status.st_mtime_ns, status.st_size)
        cached = _cache.get(source)
        if cached is not None and cached[0] == changed:
            return cached[1]
        raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        settings = parse(raw if isinstance(raw, Mapping) else {})
    except (OSError, ValueError, TypeError, KeyError, yaml.YAMLError) as error:
        logger.error("%s could not be read (%s): nothing is hidden automatically", source, error)
        return ModerationSettings()
    _cache[source] = (changed, settings)
    return settings

"""Writes office hours in words, in French and English, from the structured hours of `city_facts.yml`.

Called by the facts loader so that responses say the hours staff configured, never a copy of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DAY_NAMES = {
    "fr": ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}


def clock_time(hhmm: str, language: str) -> str:
    """'16:30' -> '16 h 30' (fr, Québec usage) or '4:30 p.m.' (en); noon is written as a word."""
    hour, minute = (int(part) for part in hhmm.split(":"))
    if language == "fr":
        if (hour, minute) == (12, 0):
            return "midi"
        return f"{hour} h {minute:02d}" if minute else f"{hour} h"
    if (hour, minute) == (12, 0):
        return "noon"
    suffix = "a.m." if hour < 12 else "p.m."
    twelve = hour % 12 or 12
    return f"{twelve}:{minute:02d} {suffix}" if minute else f"{twelve} {suffix}"


def _runs(week: Mapping[str, Sequence[str]]) -> list[tuple[int, int, tuple[str, str]]]:
    """Consecutive open days with the same hours: [(first_day, last_day, (open, close))]."""
    runs: list[tuple[int, int, tuple[str, str]]] = []
    for index, day in enumerate(WEEKDAYS):
        hours = week.get(day)
        if not hours:
            continue
        span = (str(hours[0]), str(hours[1]))
        if runs and runs[-1][1] == index - 1 and runs[-1][2] == span:
            runs[-1] = (runs[-1][0], index, span)
        else:
            runs.append((index, index, span))
    return runs


def describe_week(week: Mapping[str, Sequence[str]], language: str) -> str:
    """'Monday to Thursday, 8 a.m. to 4:30 p.m.; Friday, 8 a.m. to noon' (or its French form)."""
    names = DAY_NAMES[language]
    parts = []
    for first, last, (opens, closes) in _runs(week):
        if language == "fr":
            days = f"du {names[first]} au {names[last]}" if first != last else f"le {names[first]}"
            parts.append(f"{days}, de {clock_time(opens, 'fr')} à {clock_time(closes, 'fr')}")
        else:
            days = f"{names[first]} to {names[last]}" if first != last else names[first]
            parts.append(f"{days}, {clock_time(opens, 'en')} to {clock_time(closes, 'en')}")
    return "; ".join(parts)

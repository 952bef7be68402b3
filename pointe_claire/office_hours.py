"""Knows when the City's administrative offices are open: office hours, summer hours, holidays and closures.

Called by the custom actions that tell residents when staff will answer ("today, until 4:30 p.m.", "Monday").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo

import holidays
from babel.dates import format_date

from pointe_claire.hours_text import WEEKDAYS, clock_time
from pointe_claire.names import LANGUAGES

BABEL_LOCALES = {"fr": "fr_CA", "en": "en_CA"}
COUNTRY = "CA"
HOLIDAY_LANGUAGES = {"fr": "fr", "en": "en_CA"}  # translations the `holidays` library ships for Canada

# The `holidays` library files Easter Monday under Québec's "optional" category (employers choose Good Friday or
# Easter Monday); the City's administrative offices close on both (../shared/policy/city-facts.md).
CITY_OPTIONAL_HOLIDAYS = ("Easter Monday",)

# How far ahead `next_opening` looks before deciding the configuration never opens.
SEARCH_HORIZON_DAYS = 400

MonthDay = tuple[int, int]
Span = tuple[time, time]
Week = tuple[Span | None, ...]  # indexed by date.weekday(): Monday = 0
HolidayNames = Mapping[date, tuple[str, str]]  # day -> (French name, English name)
When = Literal["now", "later_today", "tomorrow", "later"]


def normalize_language(language: str) -> str:
    """'fr', 'fr-CA', 'fr_CA' -> 'fr'; 'en', 'en-CA' -> 'en'; anything else is an error."""
    code = language.replace("-", "_").split("_")[0].lower()
    if code not in LANGUAGES:
        raise ValueError(f"unsupported language {language!r}: expected one of {LANGUAGES}")
    return code


def parse_month_day(text: str) -> MonthDay:
    """'12-24' -> (12, 24); rejects days that exist in no year."""
    month, day = (int(part) for part in str(text).split("-"))
    date(2000, month, day)  # a leap year: accepts 02-29, raises ValueError on 13-01 or 04-31
    return month, day


def in_month_day_range(day: date, starts: MonthDay, ends: MonthDay) -> bool:
    """Whether `day` falls between two month-days, both inclusive, every year; the range may wrap over New Year."""
    key = (day.month, day.day)
    if starts <= ends:
        return starts <= key <= ends
    return key >= starts or key <= ends


def _parse_clock(text: str) -> time:
    hour, minute = (int(part) for part in str(text).split(":"))
    return time(hour, minute)


def _parse_week(section: Mapping[str, Any]) -> Week:
    """{'monday': ['08:30', '16:30'], ...} -> one (opens, closes) or None per weekday."""
    week: list[Span | None] = []
    for name in WEEKDAYS:
        hours: Sequence[str] | None = section.get(name)
        if not hours:
            week.append(None)
            continue
        opens, closes = _parse_clock(hours[0]), _parse_clock(hours[1])
        if opens >= closes:
            raise ValueError(f"office hours for {name}: {hours[0]} is not before {hours[1]}")
        week.append((opens, closes))
    return tuple(week)


def _hhmm(moment: time) -> str:
    return f"{moment.hour:02d}:{moment.minute:02d}"


@dataclass(frozen=True)
class Closure:
    """A City closure beyond the statutory holidays, e.g. the holiday break from 12-24 to 01-02."""

    starts: MonthDay
    ends: MonthDay
    name_fr: str
    name_en: str

    def covers(self, day: date) -> bool:
        return in_month_day_range(day, self.starts, self.ends)

    def name(self, language: str) -> str:
        return self.name_fr if normalize_language(language) == "fr" else self.name_en


@dataclass(frozen=True)
class BusinessCalendar:
    """Office hours of the administrative offices, with summer hours, Québec holidays and City closures."""

    timezone: ZoneInfo
    regular: Week
    summer: Week
    summer_starts: MonthDay
    summer_ends: MonthDay
    extra_closures: tuple[Closure, ...] = ()
    subdivision: str = "QC"
    optional_holidays: tuple[str, ...] = CITY_OPTIONAL_HOLIDAYS

    @classmethod
    def from_facts(cls, office_hours: Mapping[str, Any]) -> BusinessCalendar:
        """Builds the calendar from the `office_hours` section of city_facts.yml."""
        summer = office_hours.get("summer") or {}
        closures = tuple(
            Closure(
                starts=parse_month_day(entry["from"]),
                ends=parse_month_day(entry["to"]),
                name_fr=str(entry["name_fr"]),
                name_en=str(entry["name_en"]),
            )
            for entry in office_hours.get("extra_closures") or ()
        )
        regular = _parse_week(office_hours["regular"])
        return cls(
            timezone=ZoneInfo(str(office_hours.get("timezone", "America/Montreal"))),
            regular=regular,
            # Without a summer section, "summer" is one day a year with the regular hours: no change at all.
            summer=_parse_week(summer) if summer else regular,
            summer_starts=parse_month_day(summer.get("starts", "01-01")),
            summer_ends=parse_month_day(summer.get("ends", "01-01")),
            extra_closures=closures,
        )

    # Holidays and closures ------------------------------------------------------------------------------------

    def _library_holidays(self, year: int, language: str, category: str = holidays.PUBLIC) -> Mapping[date, str]:
        return holidays.country_holidays(
            COUNTRY, subdiv=self.subdivision, years=year, categories=category, language=HOLIDAY_LANGUAGES[language]
        )

    def statutory_holidays(self, year: int) -> dict[date, tuple[str, str]]:
        """The year's statutory holidays (and their observed days, as the library gives them): day -> (fr, en)."""
        return dict(_statutory_holidays(self, year))

    def _compute_statutory_holidays(self, year: int) -> dict[date, tuple[str, str]]:
        french, english = self._library_holidays(year, "fr"), self._library_holidays(year, "en")
        names = {day: (french[day], name) for day, name in english.items()}
        if self.optional_holidays:
            optional_fr = self._library_holidays(year, "fr", holidays.OPTIONAL)
            optional_en = self._library_holidays(year, "en", holidays.OPTIONAL)
            for day, name in optional_en.items():
                if name in self.optional_holidays:
                    names.setdefault(day, (optional_fr[day], name))
        return names

    def _closure_names(self, day: date, known: HolidayNames) -> tuple[str, str] | None:
        """(fr, en) name of the holiday or closure on `day`; a statutory holiday wins over a wider closure."""
        if day in known:
            return known[day]
        for closure in self.extra_closures:
            if closure.covers(day):
                return closure.name_fr, closure.name_en
        return None

    def closure_name(self, day: date, language: str) -> str | None:
        """The holiday or closure on `day` ("Jour de Noël", "Holiday break"); None on other days, weekends included."""
        names = self._closure_names(day, self.statutory_holidays(day.year))
        if names is None:
            return None
        return names[0] if normalize_language(language) == "fr" else names[1]

    # Hours ----------------------------------------------------------------------------------------------------

    def is_summer(self, day: date) -> bool:
        return in_month_day_range(day, self.summer_starts, self.summer_ends)

    def _hours(self, day: date, known: HolidayNames) -> Span | None:
        if self._closure_names(day, known) is not None:
            return None
        week = self.summer if self.is_summer(day) else self.regular
        return week[day.weekday()]

    def hours_on(self, day: date) -> tuple[time, time] | None:
        """(opens, closes) on `day`, local time; None when the offices are closed all day."""
        return self._hours(day, self.statutory_holidays(day.year))

    def local(self, moment: datetime) -> datetime:
        """`moment` in the City's timezone; a naive datetime is refused (its timezone would be a guess)."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("moment must be timezone-aware")
        return moment.astimezone(self.timezone)

    def is_open(self, moment: datetime) -> bool:
        """Whether staff are in at `moment` (opening time included, closing time excluded)."""
        return self.closing_time(moment) is not None

    def closing_time(self, moment: datetime) -> datetime | None:
        """When today's office hours end, if the offices are open at `moment`; None otherwise."""
        local = self.local(moment)
        hours = self.hours_on(local.date())
        if hours is None:
            return None
        opens, closes = hours
        if not opens <= local.time() < closes:
            return None
        return datetime.combine(local.date(), closes, tzinfo=self.timezone)

    def next_opening(self, moment: datetime) -> datetime:
        """`moment` itself (in the City's timezone) if open; otherwise the next time the offices open."""
        local = self.local(moment)
        if self.is_open(local):
            return local
        known_by_year: dict[int, HolidayNames] = {}
        for offset in range(SEARCH_HORIZON_DAYS):
            day = local.date() + timedelta(days=offset)
            if day.year not in known_by_year:
                known_by_year[day.year] = self.statutory_holidays(day.year)
            hours = self._hours(day, known_by_year[day.year])
            if hours is None:
                continue
            opening = datetime.combine(day, hours[0], tzinfo=self.timezone)
            if opening > local:
                return opening
        raise ValueError(f"the offices never open in the {SEARCH_HORIZON_DAYS} days after {local.isoformat()}")


@lru_cache(maxsize=64)
def _statutory_holidays(calendar: BusinessCalendar, year: int) -> dict[date, tuple[str, str]]:
    # Computing a year's holidays takes about 4 ms, and every question about a day asks again: the review app's
    # queue asks for hundreds of deadlines (22 ms each uncached). The calendar is frozen, so its answer is too.
    return calendar._compute_statutory_holidays(year)


# Telling residents when staff will answer -------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """When staff will see a message sent at `asked_at`: now (until `until`) or at `next_opening`."""

    asked_at: datetime  # in the City's timezone
    staff_in_now: bool
    next_opening: datetime  # equals `asked_at` when staff are in now
    until: datetime | None = None  # when today's office hours end, if staff are in now

    @property
    def when(self) -> When:
        if self.staff_in_now:
            return "now"
        days_ahead = (self.next_opening.date() - self.asked_at.date()).days
        if days_ahead == 0:
            return "later_today"
        if days_ahead == 1:
            return "tomorrow"
        return "later"


def follow_up(calendar: BusinessCalendar, moment: datetime) -> FollowUp:
    """Whether staff are in at `moment`, or when they next will be."""
    local = calendar.local(moment)
    closes = calendar.closing_time(local)
    return FollowUp(
        asked_at=local,
        staff_in_now=closes is not None,
        next_opening=calendar.next_opening(local),
        until=closes,
    )


def follow_up_deadline(calendar: BusinessCalendar, moment: datetime) -> datetime:
    """When the follow-up promised at `moment` is due: the end of the business day the resident was told staff would
    follow up on (`describe_follow_up`: "today, during office hours (until 4:30 p.m.)" when asked while the offices
    are open, else the next opening's day). Called by the review app's action queue."""
    promised = follow_up(calendar, moment)
    closes = calendar.closing_time(promised.next_opening)
    assert closes is not None, "the offices are open at their next opening"
    return closes


def day_in_words(day: date, language: str) -> str:
    """'Monday, December 1' (en) or 'le lundi 1er décembre' (fr, Québec usage)."""
    if normalize_language(language) == "fr":
        locale = BABEL_LOCALES["fr"]
        number = "1er" if day.day == 1 else str(day.day)
        return f"le {format_date(day, 'EEEE', locale=locale)} {number} {format_date(day, 'MMMM', locale=locale)}"
    return format_date(day, "EEEE, MMMM d", locale=BABEL_LOCALES["en"])


def describe_follow_up(follow_up: FollowUp, language: str) -> str:
    """Resident-facing words for when staff will answer, e.g. 'today, during office hours (until 4:30 p.m.)'."""
    lang = normalize_language(language)
    french = lang == "fr"
    when = follow_up.when
    if when == "now":
        closes = follow_up.until or follow_up.asked_at
        until = clock_time(_hhmm(closes.time()), lang)
        if french:
            return f"aujourd'hui, pendant les heures d'ouverture (jusqu'à {until})"
        return f"today, during office hours (until {until})"
    opening = follow_up.next_opening
    opens = clock_time(_hhmm(opening.time()), lang)
    if when == "later_today":
        return f"aujourd'hui, à partir de {opens}" if french else f"today, from {opens}"
    day = day_in_words(opening.date(), lang)
    if when == "tomorrow":
        return f"demain, {day}, à partir de {opens}" if french else f"tomorrow, {day}, from {opens}"
    if french:
        return f"le prochain jour ouvrable, {day}, à partir de {opens}"
    return f"the next business day, {day}, from {opens}"

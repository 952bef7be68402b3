"""When the administrative offices are open, and how the assistant tells residents when staff will answer.

Every test uses the real city_facts.yml and an explicit clock (America/Montreal unless stated otherwise).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from pointe_claire.city_facts import load_city_facts
from pointe_claire.office_hours import BusinessCalendar, describe_follow_up, follow_up

pytestmark = pytest.mark.dates  # also run under other clocks by `make test-dates`

MONTREAL = ZoneInfo("America/Montreal")
UTC = ZoneInfo("UTC")


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MONTREAL)


@pytest.fixture(scope="module")
def calendar() -> BusinessCalendar:
    return BusinessCalendar.from_facts(load_city_facts().office_hours)


# Regular (winter) hours -----------------------------------------------------------------------------------------


def test_friday_1629_in_winter_is_open_until_1630(calendar: BusinessCalendar) -> None:
    moment = at(2025, 11, 28, 16, 29)
    assert calendar.is_open(moment)
    assert calendar.closing_time(moment) == at(2025, 11, 28, 16, 30)
    assert calendar.next_opening(moment) == moment


def test_friday_1631_in_winter_is_closed_and_next_opening_is_monday_0830(calendar: BusinessCalendar) -> None:
    moment = at(2025, 11, 28, 16, 31)
    assert not calendar.is_open(moment)
    assert calendar.closing_time(moment) is None
    assert calendar.next_opening(moment) == at(2025, 12, 1, 8, 30)


def test_closing_minute_itself_is_closed(calendar: BusinessCalendar) -> None:
    assert not calendar.is_open(at(2025, 11, 28, 16, 30))


def test_monday_0829_in_winter_is_closed_and_opens_the_same_morning_at_0830(calendar: BusinessCalendar) -> None:
    moment = at(2026, 3, 16, 8, 29)
    assert not calendar.is_open(moment)
    assert calendar.next_opening(moment) == at(2026, 3, 16, 8, 30)


def test_monday_0830_in_winter_is_open(calendar: BusinessCalendar) -> None:
    assert calendar.is_open(at(2026, 3, 16, 8, 30))


def test_weekend_is_closed_but_not_a_named_closure_and_next_opening_is_monday(calendar: BusinessCalendar) -> None:
    saturday = at(2026, 3, 14, 11, 0)
    assert not calendar.is_open(saturday)
    assert calendar.hours_on(date(2026, 3, 14)) is None
    assert calendar.hours_on(date(2026, 3, 15)) is None
    assert calendar.closure_name(date(2026, 3, 14), "en") is None
    assert calendar.closure_name(date(2026, 3, 15), "fr") is None
    assert calendar.next_opening(saturday) == at(2026, 3, 16, 8, 30)


def test_ordinary_weekday_has_no_closure_name(calendar: BusinessCalendar) -> None:
    assert calendar.closure_name(date(2026, 3, 17), "fr") is None
    assert calendar.hours_on(date(2026, 3, 17)) == (time(8, 30), time(16, 30))


# Summer hours ---------------------------------------------------------------------------------------------------


def test_friday_1159_in_summer_is_open_until_noon(calendar: BusinessCalendar) -> None:
    moment = at(2026, 6, 12, 11, 59)
    assert calendar.is_open(moment)
    assert calendar.closing_time(moment) == at(2026, 6, 12, 12, 0)


def test_friday_1201_in_summer_is_closed_and_next_opening_is_monday_0800(calendar: BusinessCalendar) -> None:
    moment = at(2026, 6, 12, 12, 1)
    assert not calendar.is_open(moment)
    assert calendar.next_opening(moment) == at(2026, 6, 15, 8, 0)


def test_thursday_1629_in_summer_is_open_until_1630(calendar: BusinessCalendar) -> None:
    moment = at(2026, 6, 11, 16, 29)
    assert calendar.is_open(moment)
    assert calendar.closing_time(moment) == at(2026, 6, 11, 16, 30)


def test_monday_0759_in_summer_is_closed_and_0800_is_open(calendar: BusinessCalendar) -> None:
    assert not calendar.is_open(at(2026, 6, 15, 7, 59))
    assert calendar.next_opening(at(2026, 6, 15, 7, 59)) == at(2026, 6, 15, 8, 0)
    assert calendar.is_open(at(2026, 6, 15, 8, 0))


# 2029: May 3 is a Thursday, May 4 a Friday, October 9 a Tuesday and October 10 a Wednesday (Thanksgiving is Oct 8).
def test_day_before_summer_starts_keeps_regular_hours(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2029, 5, 3)) == (time(8, 30), time(16, 30))
    assert not calendar.is_open(at(2029, 5, 3, 8, 15))


def test_first_summer_day_opens_at_0800_and_friday_closes_at_noon(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2029, 5, 4)) == (time(8, 0), time(12, 0))
    assert calendar.is_open(at(2029, 5, 4, 8, 15))
    assert not calendar.is_open(at(2029, 5, 4, 13, 0))


def test_last_summer_day_still_has_summer_hours(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2029, 10, 9)) == (time(8, 0), time(16, 30))
    assert calendar.is_open(at(2029, 10, 9, 8, 15))


def test_first_day_after_summer_is_back_to_regular_hours(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2029, 10, 10)) == (time(8, 30), time(16, 30))
    assert not calendar.is_open(at(2029, 10, 10, 8, 15))
    assert calendar.next_opening(at(2029, 10, 10, 8, 15)) == at(2029, 10, 10, 8, 30)


# Easter: Good Friday and Easter Monday are both closures -------------------------------------------------------


def test_thursday_before_good_friday_is_open_with_regular_hours(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2026, 4, 2)) == (time(8, 30), time(16, 30))
    assert calendar.closure_name(date(2026, 4, 2), "en") is None


def test_good_friday_2026_is_closed(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2026, 4, 3)) is None
    assert not calendar.is_open(at(2026, 4, 3, 10, 0))
    assert calendar.closure_name(date(2026, 4, 3), "en") == "Good Friday"
    assert calendar.closure_name(date(2026, 4, 3), "fr") == "Vendredi saint"


def test_easter_monday_2026_is_closed_although_the_library_files_it_as_optional(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2026, 4, 6)) is None
    assert not calendar.is_open(at(2026, 4, 6, 10, 0))
    assert calendar.closure_name(date(2026, 4, 6), "en") == "Easter Monday"
    assert calendar.closure_name(date(2026, 4, 6), "fr") == "Lundi de Pâques"


def test_after_hours_before_easter_weekend_next_opening_is_tuesday_after_easter_monday(
    calendar: BusinessCalendar,
) -> None:
    assert calendar.next_opening(at(2026, 4, 2, 16, 31)) == at(2026, 4, 7, 8, 30)
    assert calendar.is_open(at(2026, 4, 7, 8, 30))


def test_other_optional_days_of_the_library_are_not_closures(calendar: BusinessCalendar) -> None:
    # Remembrance Day is a federal holiday, not a Québec one: the offices are open.
    assert calendar.hours_on(date(2026, 11, 11)) == (time(8, 30), time(16, 30))


# Québec statutory holidays --------------------------------------------------------------------------------------


def test_saint_jean_baptiste_june_24_is_closed_and_next_opening_is_the_25th(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2026, 6, 24)) is None
    assert calendar.closure_name(date(2026, 6, 24), "fr") == "Fête nationale du Québec"
    assert calendar.next_opening(at(2026, 6, 23, 16, 31)) == at(2026, 6, 25, 8, 0)


def test_canada_day_july_1_is_closed(calendar: BusinessCalendar) -> None:
    assert not calendar.is_open(at(2026, 7, 1, 10, 0))
    assert calendar.closure_name(date(2026, 7, 1), "en") == "Canada Day"
    assert calendar.closure_name(date(2026, 7, 1), "fr") == "Fête du Canada"
    assert calendar.next_opening(at(2026, 7, 1, 10, 0)) == at(2026, 7, 2, 8, 0)


def test_national_patriots_day_closes_the_offices(calendar: BusinessCalendar) -> None:
    assert calendar.closure_name(date(2026, 5, 18), "fr") == "Journée nationale des patriotes"
    assert calendar.hours_on(date(2026, 5, 18)) is None


# 2029: June 24 and July 1 both fall on a Sunday; the library observes them on the Monday after.
def test_saint_jean_on_a_sunday_is_observed_on_monday(calendar: BusinessCalendar) -> None:
    assert calendar.closure_name(date(2029, 6, 24), "fr") == "Fête nationale du Québec"
    assert calendar.hours_on(date(2029, 6, 25)) is None
    assert calendar.closure_name(date(2029, 6, 25), "en") == "Saint Jean Baptiste Day (observed)"
    # Friday June 22, after the summer noon closing: the Monday is the observed holiday.
    assert calendar.next_opening(at(2029, 6, 22, 12, 1)) == at(2029, 6, 26, 8, 0)


def test_canada_day_on_a_sunday_is_observed_on_monday(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2029, 7, 2)) is None
    assert calendar.closure_name(date(2029, 7, 2), "fr") == "Fête du Canada (Observé)"
    assert calendar.next_opening(at(2029, 6, 29, 12, 0)) == at(2029, 7, 3, 8, 0)


def test_canada_day_on_a_saturday_is_not_moved_by_the_library(calendar: BusinessCalendar) -> None:
    # July 1, 2028 is a Saturday; the library gives no observed day, so Monday July 3 is a working day.
    assert calendar.closure_name(date(2028, 7, 1), "en") == "Canada Day"
    assert calendar.hours_on(date(2028, 7, 3)) == (time(8, 0), time(16, 30))


# Christmas and the holiday break (12-24 to 01-02, wrapping over New Year) -----------------------------------------


def test_christmas_day_is_named_as_the_statutory_holiday(calendar: BusinessCalendar) -> None:
    assert calendar.hours_on(date(2026, 12, 25)) is None
    assert calendar.closure_name(date(2026, 12, 25), "en") == "Christmas Day"
    assert calendar.closure_name(date(2026, 12, 25), "fr") == "Jour de Noël"


def test_holiday_break_closes_every_weekday_from_december_24_to_january_2(calendar: BusinessCalendar) -> None:
    for day in (date(2026, 12, 24), date(2026, 12, 28), date(2026, 12, 31)):
        assert calendar.hours_on(day) is None
        assert calendar.closure_name(day, "en") == "Holiday break"
        assert calendar.closure_name(day, "fr") == "Congé des fêtes"
    assert calendar.closure_name(date(2027, 1, 1), "fr") == "Jour de l'an"
    assert calendar.closure_name(date(2027, 1, 2), "en") == "Holiday break"
    assert calendar.closure_name(date(2026, 12, 23), "en") is None
    assert calendar.closure_name(date(2027, 1, 3), "en") is None


def test_after_hours_on_december_23_next_opening_is_first_business_day_after_the_break(
    calendar: BusinessCalendar,
) -> None:
    # The break ends Saturday January 2, 2027; Sunday the 3rd is a weekend: Monday the 4th.
    assert calendar.is_open(at(2026, 12, 23, 16, 29))
    assert calendar.next_opening(at(2026, 12, 23, 16, 31)) == at(2027, 1, 4, 8, 30)


def test_break_ending_on_a_weekday_reopens_on_january_3(calendar: BusinessCalendar) -> None:
    # January 2, 2025 is a Thursday: the offices reopen Friday January 3.
    assert calendar.next_opening(at(2024, 12, 27, 10, 0)) == at(2025, 1, 3, 8, 30)


def test_new_years_day_observed_after_the_break_extends_the_closure(calendar: BusinessCalendar) -> None:
    # January 1, 2028 is a Saturday; the library observes it on Monday January 3, just after the break.
    assert calendar.closure_name(date(2028, 1, 3), "en") == "New Year's Day (observed)"
    assert calendar.next_opening(at(2027, 12, 23, 16, 31)) == at(2028, 1, 4, 8, 30)


# Time zones -----------------------------------------------------------------------------------------------------


def test_utc_moment_in_winter_is_read_as_eastern_standard_time(calendar: BusinessCalendar) -> None:
    # Monday January 12, 2026: 13:29 UTC is 8:29 EST, 13:30 UTC is 8:30 EST.
    assert not calendar.is_open(datetime(2026, 1, 12, 13, 29, tzinfo=UTC))
    assert calendar.is_open(datetime(2026, 1, 12, 13, 30, tzinfo=UTC))


def test_utc_moment_after_the_spring_change_is_read_as_eastern_daylight_time(calendar: BusinessCalendar) -> None:
    # Monday March 16, 2026 (DST began March 8): 12:30 UTC is 8:30 EDT, but would only be 7:30 EST.
    moment = datetime(2026, 3, 16, 12, 30, tzinfo=UTC)
    assert calendar.is_open(moment)
    assert calendar.closing_time(moment) == datetime(2026, 3, 16, 20, 30, tzinfo=UTC)


def test_utc_moment_late_friday_evening_is_already_saturday_in_utc_but_next_opening_is_monday(
    calendar: BusinessCalendar,
) -> None:
    # Saturday 02:00 UTC is Friday 21:00 in Montréal (EST).
    moment = datetime(2025, 11, 29, 2, 0, tzinfo=UTC)
    assert not calendar.is_open(moment)
    assert calendar.next_opening(moment) == at(2025, 12, 1, 8, 30)


def test_naive_moment_is_refused(calendar: BusinessCalendar) -> None:
    with pytest.raises(ValueError):
        calendar.is_open(datetime(2026, 3, 16, 9, 0))


# What residents are told ----------------------------------------------------------------------------------------


def test_open_now_is_described_as_today_until_closing_time(calendar: BusinessCalendar) -> None:
    answer = follow_up(calendar, at(2026, 3, 18, 10, 0))
    assert answer.staff_in_now
    assert describe_follow_up(answer, "en") == "today, during office hours (until 4:30 p.m.)"
    assert describe_follow_up(answer, "fr") == "aujourd'hui, pendant les heures d'ouverture (jusqu'à 16 h 30)"


def test_open_on_a_summer_friday_is_described_as_until_noon(calendar: BusinessCalendar) -> None:
    answer = follow_up(calendar, at(2026, 6, 12, 10, 0))
    assert describe_follow_up(answer, "en") == "today, during office hours (until noon)"
    assert describe_follow_up(answer, "fr") == "aujourd'hui, pendant les heures d'ouverture (jusqu'à midi)"


def test_friday_after_hours_is_described_as_next_business_day_monday_first_of_december(
    calendar: BusinessCalendar,
) -> None:
    answer = follow_up(calendar, at(2025, 11, 28, 16, 31))
    assert not answer.staff_in_now
    assert answer.next_opening == at(2025, 12, 1, 8, 30)
    assert describe_follow_up(answer, "en") == "the next business day, Monday, December 1, from 8:30 a.m."
    assert describe_follow_up(answer, "fr") == "le prochain jour ouvrable, le lundi 1er décembre, à partir de 8 h 30"


def test_french_date_uses_a_plain_number_after_the_first_of_the_month(calendar: BusinessCalendar) -> None:
    answer = follow_up(calendar, at(2026, 12, 23, 16, 31))
    assert describe_follow_up(answer, "fr") == "le prochain jour ouvrable, le lundi 4 janvier, à partir de 8 h 30"
    assert describe_follow_up(answer, "en") == "the next business day, Monday, January 4, from 8:30 a.m."


def test_after_hours_on_a_weekday_is_described_as_tomorrow(calendar: BusinessCalendar) -> None:
    answer = follow_up(calendar, at(2026, 3, 17, 17, 0))
    assert describe_follow_up(answer, "en") == "tomorrow, Wednesday, March 18, from 8:30 a.m."
    assert describe_follow_up(answer, "fr") == "demain, le mercredi 18 mars, à partir de 8 h 30"


def test_early_morning_is_described_as_later_today(calendar: BusinessCalendar) -> None:
    answer = follow_up(calendar, at(2026, 6, 15, 7, 0))
    assert describe_follow_up(answer, "en") == "today, from 8 a.m."
    assert describe_follow_up(answer, "fr") == "aujourd'hui, à partir de 8 h"


def test_regional_language_tags_are_accepted_and_others_refused(calendar: BusinessCalendar) -> None:
    answer = follow_up(calendar, at(2026, 3, 18, 10, 0))
    assert describe_follow_up(answer, "fr-CA") == describe_follow_up(answer, "fr")
    with pytest.raises(ValueError):
        describe_follow_up(answer, "es")

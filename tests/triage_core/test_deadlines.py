"""Service-level deadline arithmetic: holidays, business time, pauses, SLA policies."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpdesk.triage.deadlines import (
    DEFAULT_CALENDAR,
    KNOWN_REGIONS,
    BusinessCalendar,
    SlaPolicy,
    add_business_time,
    business_days,
    business_time_between,
    deadline_state,
    deadline_with_pauses,
    default_sla_policies,
    describe_remaining,
    easter_sunday,
    french_holidays,
    region_for_department,
    remaining_business_time,
)

PARIS = ZoneInfo("Europe/Paris")
HOUR = timedelta(hours=1)
NINE_HOURS = timedelta(hours=9)


def paris(*args: int) -> datetime:
    """Build an aware Europe/Paris datetime."""
    return datetime(*args, tzinfo=PARIS)


def utc(*args: int) -> datetime:
    """Build an aware UTC datetime."""
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (2024, date(2024, 3, 31)),
        (2025, date(2025, 4, 20)),
        (2026, date(2026, 4, 5)),
        (2027, date(2027, 3, 28)),
        (2030, date(2030, 4, 21)),
        (2038, date(2038, 4, 25)),
        (2285, date(2285, 3, 22)),
    ],
)
def test_easter_sunday_follows_the_gregorian_computus(year, expected):
    """Easter Sunday matches published dates, including the earliest and latest possible ones."""
    assert easter_sunday(year) == expected


def test_metropolitan_holidays_of_2026_are_exactly_the_eleven_public_holidays():
    """2026 has the eleven metropolitan public holidays and no other."""
    assert french_holidays(2026) == {
        date(2026, 1, 1),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 8),
        date(2026, 5, 14),
        date(2026, 5, 25),
        date(2026, 7, 14),
        date(2026, 8, 15),
        date(2026, 11, 1),
        date(2026, 11, 11),
        date(2026, 12, 25),
    }


def test_alsace_moselle_adds_good_friday_and_saint_stephen():
    """Alsace-Moselle adds Good Friday and 26 December."""
    extra = french_holidays(2026, "alsace-moselle") - french_holidays(2026)
    assert extra == {date(2026, 4, 3), date(2026, 12, 26)}


@pytest.mark.parametrize(
    ("region", "abolition_day"),
    [
        ("guadeloupe", date(2026, 5, 27)),
        ("martinique", date(2026, 5, 22)),
        ("guyane", date(2026, 6, 10)),
        ("la-reunion", date(2026, 12, 20)),
        ("mayotte", date(2026, 4, 27)),
        ("saint-martin", date(2026, 5, 28)),
        ("saint-barthelemy", date(2026, 10, 9)),
    ],
)
def test_overseas_region_adds_its_abolition_of_slavery_day(region, abolition_day):
    """Each overseas region adds its own abolition-of-slavery day."""
    assert french_holidays(2026, region) - french_holidays(2026) == {abolition_day}


@pytest.mark.parametrize("region", [None, "", "bretagne", "ile-de-france", "Guadeloupe", "971"])
def test_unknown_or_metropolitan_region_gets_metropolitan_holidays(region):
    """Any other region value, even a near miss, gets metropolitan holidays only."""
    assert french_holidays(2026, region) == french_holidays(2026)


def test_known_regions_lists_every_slug_with_extra_holidays():
    """KNOWN_REGIONS lists exactly the slugs that add holidays."""
    assert KNOWN_REGIONS == {
        "alsace-moselle",
        "guadeloupe",
        "martinique",
        "guyane",
        "la-reunion",
        "mayotte",
        "saint-martin",
        "saint-barthelemy",
    }
    assert all(french_holidays(2026, region) > french_holidays(2026) for region in KNOWN_REGIONS)


@pytest.mark.parametrize(
    ("department", "region"),
    [("57", "alsace-moselle"), ("67", "alsace-moselle"), ("68", "alsace-moselle"), ("974", "la-reunion"),
     ("971", "guadeloupe"), ("75", None), ("54", None)],
)
def test_region_for_department(department, region):
    """Départements map to the holiday region that applies to them."""
    assert region_for_department(department) == region


def test_calendar_for_region_closes_on_the_regional_holiday():
    """A regional calendar is closed on its regional holiday, the default one is not."""
    reunion = BusinessCalendar.for_region("la-reunion")
    day = date(2027, 12, 20)  # a Monday
    assert not reunion.is_business_day(day)
    assert DEFAULT_CALENDAR.is_business_day(day)


@pytest.mark.parametrize(
    "opening_hours",
    [
        ((),) * 7,
        ((time(9), time(18)),) * 5,
        (((time(14), time(18)), (time(9), time(12))),) + ((),) * 6,
        (((time(9), time(13)), (time(12), time(18))),) + ((),) * 6,
        (((time(18), time(9)),),) + ((),) * 6,
    ],
)
def test_calendar_rejects_malformed_opening_hours(opening_hours):
    """Missing weekdays, unsorted, overlapping, reversed or absent opening hours are refused."""
    with pytest.raises(ValueError):
        BusinessCalendar(opening_hours=opening_hours)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # Within one day.
        (paris(2026, 3, 10, 10), 4 * HOUR, paris(2026, 3, 10, 14)),
        # Ending exactly at closing time stays on the same day.
        (paris(2026, 3, 10, 9), NINE_HOURS, paris(2026, 3, 10, 18)),
        # Spanning a weekend: Friday 16:00 + 4 h -> Monday 11:00.
        (paris(2026, 3, 6, 16), 4 * HOUR, paris(2026, 3, 9, 11)),
        # Ascension Thursday is skipped, the Friday bridge is a working day.
        (paris(2026, 5, 13, 16), 4 * HOUR, paris(2026, 5, 15, 11)),
        (paris(2026, 5, 14, 10), HOUR, paris(2026, 5, 15, 10)),
        # Whit Monday: Friday 17:00 + 2 h -> Tuesday 10:00.
        (paris(2026, 5, 22, 17), 2 * HOUR, paris(2026, 5, 26, 10)),
        # 14 July (a Tuesday): Monday 15:00 + 5 h -> Wednesday 11:00.
        (paris(2026, 7, 13, 15), 5 * HOUR, paris(2026, 7, 15, 11)),
        # 1 May and 8 May 2026 are Fridays: two long weekends.
        (paris(2026, 4, 30, 17), 2 * HOUR, paris(2026, 5, 4, 10)),
        # Start outside opening hours: the clock starts at the next opening.
        (paris(2026, 3, 7, 23), HOUR, paris(2026, 3, 9, 10)),
        (paris(2026, 3, 10, 7), HOUR, paris(2026, 3, 10, 10)),
        (paris(2026, 3, 10, 19), HOUR, paris(2026, 3, 11, 10)),
        (paris(2026, 3, 10, 18), HOUR, paris(2026, 3, 11, 10)),
        # Several business days: Monday 10:00 + 2 days (18 h) -> Wednesday 10:00.
        (paris(2026, 3, 9, 10), 2 * NINE_HOURS, paris(2026, 3, 11, 10)),
        # Christmas and New Year.
        (paris(2026, 12, 24, 17), 2 * HOUR, paris(2026, 12, 28, 10)),
        (paris(2026, 12, 31, 17, 30), HOUR, paris(2027, 1, 4, 9, 30)),
        # Zero duration keeps an instant inside opening hours.
        (paris(2026, 3, 10, 11, 15), timedelta(0), paris(2026, 3, 10, 11, 15)),
        # Start given in UTC: 08:00 UTC is 09:00 in Paris in winter.
        (utc(2026, 3, 10, 8), HOUR, paris(2026, 3, 10, 10)),
    ],
)
def test_add_business_time(start, duration, expected):
    """Business time skips nights, weekends and holidays, and starts at the next opening."""
    due_at = add_business_time(start, duration)
    assert due_at == expected
    assert due_at.tzinfo == PARIS
    assert business_time_between(start, due_at) == duration


@pytest.mark.parametrize(
    ("start", "duration", "expected_utc"),
    [
        # Friday before spring forward (UTC+1) to Monday after it (UTC+2).
        (paris(2026, 3, 27, 16), 4 * HOUR, utc(2026, 3, 30, 9)),
        # Friday before fall back (UTC+2) to Monday after it (UTC+1).
        (paris(2026, 10, 23, 16), 4 * HOUR, utc(2026, 10, 26, 10)),
    ],
)
def test_deadline_across_a_dst_weekend_counts_wall_clock_hours(start, duration, expected_utc):
    """A deadline across a clock change keeps wall-clock opening hours and the right UTC offset."""
    due_at = add_business_time(start, duration)
    assert due_at == expected_utc
    assert due_at.utcoffset() == expected_utc.astimezone(PARIS).utcoffset()


SEVEN_DAYS_CALENDAR = BusinessCalendar(
    opening_hours=(((time(1), time(5)),),) * 7,
    holidays=lambda year: frozenset(),
)


@pytest.mark.parametrize(
    ("day", "real_hours_elapsed"),
    [(date(2026, 3, 29), 3), (date(2026, 10, 25), 5)],
)
def test_opening_hours_spanning_a_clock_change_keep_their_wall_clock_length(day, real_hours_elapsed):
    """Opening hours spanning the clock change count wall-clock hours, not elapsed hours."""
    opens = datetime.combine(day, time(1), tzinfo=PARIS)
    due_at = add_business_time(opens, 4 * HOUR, SEVEN_DAYS_CALENDAR)
    assert due_at == datetime.combine(day, time(5), tzinfo=PARIS)
    assert due_at.astimezone(UTC) - opens.astimezone(UTC) == real_hours_elapsed * HOUR
    assert business_time_between(opens, due_at, SEVEN_DAYS_CALENDAR) == 4 * HOUR


def test_add_business_time_rejects_naive_datetimes_and_negative_durations():
    """Naive datetimes and negative durations are refused."""
    with pytest.raises(ValueError):
        add_business_time(datetime(2026, 3, 10, 10), HOUR)
    with pytest.raises(ValueError):
        add_business_time(paris(2026, 3, 10, 10), -HOUR)


def test_a_calendar_closed_for_a_whole_year_is_reported():
    """A holidays function that closes every day makes deadlines fail loudly instead of looping."""
    always_closed = BusinessCalendar(holidays=lambda year: {date(year, 1, 1) + timedelta(days=n) for n in range(366)})
    with pytest.raises(ValueError):
        add_business_time(paris(2026, 3, 10, 10), HOUR, always_closed)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (paris(2026, 3, 10, 10), paris(2026, 3, 10, 10), timedelta(0)),
        (paris(2026, 3, 10, 12), paris(2026, 3, 10, 10), timedelta(0)),
        (paris(2026, 3, 6, 17), paris(2026, 3, 9, 10), 2 * HOUR),
        (paris(2026, 3, 7, 8), paris(2026, 3, 8, 20), timedelta(0)),
        (paris(2026, 5, 13, 9), paris(2026, 5, 15, 18), 2 * NINE_HOURS),
        (paris(2026, 3, 9, 0), paris(2026, 3, 16, 0), 5 * NINE_HOURS),
    ],
)
def test_business_time_between(start, end, expected):
    """Only time inside opening hours counts between two instants."""
    assert business_time_between(start, end) == expected


aware_instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31)).map(
    lambda naive: naive.replace(tzinfo=UTC)
)


@settings(max_examples=300, deadline=None)
@given(start=aware_instants, duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=15)))
def test_business_time_between_inverts_add_business_time(start, duration):
    """Measuring from start to the computed deadline gives back the duration."""
    due_at = add_business_time(start, duration)
    assert due_at >= start
    assert business_time_between(start, due_at) == duration


@settings(max_examples=100, deadline=None)
@given(start=aware_instants, days=st.integers(min_value=0, max_value=900), end_hour=st.integers(0, 23),
       region=st.sampled_from([None, "alsace-moselle", "la-reunion"]))
def test_business_time_over_years_is_the_sum_of_its_days(start, days, end_hour, region):
    """A long span (a question late for years) counts the same business time as its days taken one by one."""
    calendar = BusinessCalendar.for_region(region)
    end = (start + timedelta(days=days)).astimezone(PARIS).replace(hour=end_hour)
    cursor, total = start, timedelta(0)
    while cursor < end:
        step = min(cursor + timedelta(days=1), end)
        total += business_time_between(cursor, step, calendar)
        cursor = step
    assert business_time_between(start, end, calendar) == total


def test_business_time_of_2027_counts_weekdays_less_weekday_holidays():
    """2027 has 261 weekdays, 7 of them public holidays: 254 days of nine hours."""
    assert business_time_between(paris(2027, 1, 1), paris(2028, 1, 1)) == 254 * NINE_HOURS


@settings(max_examples=200, deadline=None)
@given(start=aware_instants, first=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)),
       second=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=5)))
def test_add_business_time_is_additive(start, first, second):
    """Adding two durations in turn equals adding their sum."""
    assert add_business_time(add_business_time(start, first), second) == add_business_time(start, first + second)


def test_every_day_of_2026_gets_a_one_business_day_deadline_on_a_working_day():
    """A one-day SLA started any day of 2026 at 10:00 ends 9 business hours later on a working day."""
    one_day = business_days(1)
    day = date(2026, 1, 1)
    while day.year == 2026:
        start = datetime.combine(day, time(10), tzinfo=PARIS)
        due_at = add_business_time(start, one_day)
        assert DEFAULT_CALENDAR.is_business_day(due_at.date()), day
        assert due_at.date() not in french_holidays(due_at.year), day
        assert due_at.weekday() < 5, day
        assert business_time_between(start, due_at) == NINE_HOURS, day
        if DEFAULT_CALENDAR.is_business_day(day):
            assert due_at.time() == time(10), day
        else:
            assert due_at.time() == time(18), day
        day += timedelta(days=1)


# Pauses: a question waits on the member between Tuesday 11:00 and Thursday 15:00.
TUESDAY_10 = paris(2026, 3, 10, 10)
WAIT = (paris(2026, 3, 10, 11), paris(2026, 3, 12, 15))


@pytest.mark.parametrize(
    ("pauses", "expected"),
    [
        ([], paris(2026, 3, 11, 10)),
        # 1 h before the pause, 8 h after it: Thursday 15:00 -> 18:00 (3 h), Friday 09:00 -> 14:00.
        ([WAIT], paris(2026, 3, 13, 14)),
        # Two pauses on the same day: 1 h then 30 min.
        (
            [(paris(2026, 3, 10, 12), paris(2026, 3, 10, 13)), (paris(2026, 3, 10, 15), paris(2026, 3, 10, 15, 30))],
            paris(2026, 3, 11, 11, 30),
        ),
        # Overlapping pauses count once.
        (
            [(paris(2026, 3, 10, 12), paris(2026, 3, 10, 14)), (paris(2026, 3, 10, 13), paris(2026, 3, 10, 15))],
            paris(2026, 3, 11, 13),
        ),
        # A pause entirely outside business hours (overnight, weekend) changes nothing.
        ([(paris(2026, 3, 10, 18, 30), paris(2026, 3, 11, 8, 30))], paris(2026, 3, 11, 10)),
        ([(paris(2026, 3, 14, 9), paris(2026, 3, 15, 20))], paris(2026, 3, 11, 10)),
        # A pause after the deadline changes nothing.
        ([(paris(2026, 3, 11, 11), paris(2026, 3, 12, 11))], paris(2026, 3, 11, 10)),
        # A pause ending before the start changes nothing; one straddling it only counts after it.
        ([(paris(2026, 3, 9, 10), paris(2026, 3, 9, 12))], paris(2026, 3, 11, 10)),
        ([(paris(2026, 3, 9, 10), paris(2026, 3, 10, 12))], paris(2026, 3, 11, 12)),
    ],
)
def test_deadline_with_pauses(pauses, expected):
    """The clock stops during pauses inside business hours only."""
    due_at = deadline_with_pauses(TUESDAY_10, NINE_HOURS, pauses)
    assert due_at == expected
    assert remaining_business_time(due_at, TUESDAY_10, NINE_HOURS, pauses) == timedelta(0)


pause_lists = st.lists(
    st.tuples(aware_instants, st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10))).map(
        lambda pause: (pause[0], pause[0] + pause[1])
    ),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(start=aware_instants, duration=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=8)),
       pauses=pause_lists)
def test_pauses_only_delay_and_the_deadline_leaves_no_time(start, duration, pauses):
    """Pauses never bring a deadline forward, and no time is left at the deadline."""
    due_at = deadline_with_pauses(start, duration, pauses)
    assert due_at >= add_business_time(start, duration)
    assert remaining_business_time(due_at, start, duration, pauses) == timedelta(0)


def test_open_pause_means_no_deadline():
    """A question still waiting on the member has no deadline."""
    pauses = [WAIT, (paris(2026, 3, 13, 9), None)]
    assert deadline_with_pauses(TUESDAY_10, NINE_HOURS, pauses) is None


def test_remaining_time_is_frozen_while_a_pause_is_open():
    """The remaining time does not run down while the member is awaited."""
    pauses = [(paris(2026, 3, 10, 12), None)]
    for now in (paris(2026, 3, 10, 12), paris(2026, 3, 11, 16), paris(2026, 3, 20, 9)):
        assert remaining_business_time(now, TUESDAY_10, NINE_HOURS, pauses) == 7 * HOUR


def test_pause_ending_before_it_starts_is_rejected():
    """A pause ending before it starts is refused."""
    with pytest.raises(ValueError):
        deadline_with_pauses(TUESDAY_10, NINE_HOURS, [(paris(2026, 3, 10, 12), paris(2026, 3, 10, 11))])


@pytest.mark.parametrize(
    ("now", "remaining"),
    [
        (TUESDAY_10, NINE_HOURS),
        (paris(2026, 3, 10, 15), 4 * HOUR),
        (paris(2026, 3, 11, 10), timedelta(0)),
        (paris(2026, 3, 11, 13), -3 * HOUR),
        # Overdue over a weekend: only business hours count.
        (paris(2026, 3, 16, 10), -3 * NINE_HOURS),
    ],
)
def test_remaining_business_time_is_negative_when_overdue(now, remaining):
    """Remaining business time runs down, then goes negative once overdue."""
    assert remaining_business_time(now, TUESDAY_10, NINE_HOURS, []) == remaining


@pytest.mark.parametrize(
    ("now", "duration", "pauses", "label", "overdue", "due_soon", "description"),
    [
        (TUESDAY_10, 2 * NINE_HOURS, [], "Dans les délais", False, False, "échéance dans 2 j ouvrés"),
        (paris(2026, 3, 10, 10, 30), NINE_HOURS, [], "À échéance sous 24 h", False, True, "échéance dans 8 h 30 min ouvrées"),
        (paris(2026, 3, 11, 10), NINE_HOURS, [], "À échéance sous 24 h", False, True, "échéance atteinte"),
        (paris(2026, 3, 11, 13), NINE_HOURS, [], "En retard", True, False, "en retard de 3 h ouvrées"),
        (paris(2026, 3, 11, 10, 1), NINE_HOURS, [], "En retard", True, False, "en retard de 1 min ouvrée"),
        (paris(2026, 3, 10, 15), NINE_HOURS, [(paris(2026, 3, 10, 11), None)], "En attente du membre", False, False,
         "échéance dans 8 h ouvrées"),
        # Put on hold after the deadline had passed: still overdue.
        (paris(2026, 3, 12, 15), NINE_HOURS, [(paris(2026, 3, 11, 12), None)], "En retard", True, False,
         "en retard de 2 h ouvrées"),
    ],
)
def test_deadline_state_for_the_queue(now, duration, pauses, label, overdue, due_soon, description):
    """The queue's label, flags and French description follow the deadline."""
    state = deadline_state(now, TUESDAY_10, duration, pauses)
    assert (state.label, state.overdue, state.due_soon, state.description) == (label, overdue, due_soon, description)
    assert state.paused == any(end is None for _, end in pauses)


def test_deadline_state_is_overdue_after_closing_time_with_no_business_time_left():
    """A deadline at closing time is overdue in the evening although no business time elapsed."""
    state = deadline_state(paris(2026, 3, 11, 19), paris(2026, 3, 11, 9), NINE_HOURS)
    assert state.due_at == paris(2026, 3, 11, 18)
    assert state.remaining == timedelta(0)
    assert state.overdue
    assert state.label == "En retard"


def test_due_soon_window_is_24_wall_clock_hours():
    """'Due soon' means within 24 wall-clock hours, weekends included."""
    start = paris(2026, 3, 6, 16)  # Friday; due Monday 16:00
    assert not deadline_state(paris(2026, 3, 6, 16), start, NINE_HOURS).due_soon
    assert deadline_state(paris(2026, 3, 8, 16), start, NINE_HOURS).due_soon


@pytest.mark.parametrize(
    ("remaining", "text"),
    [
        (timedelta(0), "échéance atteinte"),
        (timedelta(seconds=20), "échéance dans moins d'une minute"),
        (timedelta(minutes=45), "échéance dans 45 min ouvrées"),
        (timedelta(hours=1), "échéance dans 1 h ouvrée"),
        (timedelta(hours=3), "échéance dans 3 h ouvrées"),
        (timedelta(hours=3, minutes=5, seconds=59), "échéance dans 3 h 5 min ouvrées"),
        (timedelta(days=2, hours=4, minutes=30), "échéance dans 2 j ouvrés 4 h"),
        (timedelta(days=3), "échéance dans 3 j ouvrés"),
        (-timedelta(hours=3), "en retard de 3 h ouvrées"),
        (-timedelta(days=1, hours=2), "en retard de 1 j ouvré 2 h"),
        (-timedelta(seconds=1), "en retard de moins d'une minute"),
    ],
)
def test_describe_remaining_in_french(remaining, text):
    """Remaining and overdue times read as short French text that says they are business time."""
    assert describe_remaining(remaining) == text


def test_describe_remaining_counts_business_days():
    """With a business-day length, days in the text are business days."""
    assert describe_remaining(22 * HOUR, day_length=NINE_HOURS) == "échéance dans 2 j ouvrés 4 h"


SPLIT_DAY_CALENDAR = BusinessCalendar(
    opening_hours=(((time(9), time(12, 30)), (time(13, 30), time(17, 30))),) * 5 + ((), ())
)


def test_business_day_is_the_length_of_a_full_opening_day():
    """One business day is as long as the calendar's full opening day."""
    assert business_days(1) == NINE_HOURS
    assert business_days(2.5) == timedelta(hours=22, minutes=30)
    assert business_days(1, SPLIT_DAY_CALENDAR) == timedelta(hours=7, minutes=30)


def test_default_sla_policies():
    """Default service levels per priority are expressed in business time."""
    assert default_sla_policies() == {
        "urgent": SlaPolicy(first_response=4 * HOUR, resolution=2 * NINE_HOURS),
        "high": SlaPolicy(first_response=NINE_HOURS, resolution=5 * NINE_HOURS),
        "normal": SlaPolicy(first_response=2 * NINE_HOURS, resolution=10 * NINE_HOURS),
        "low": SlaPolicy(first_response=5 * NINE_HOURS, resolution=20 * NINE_HOURS),
    }


def test_split_opening_hours_skip_the_lunch_break():
    """A lunch break between two opening periods does not count."""
    assert add_business_time(paris(2026, 3, 10, 12), HOUR, SPLIT_DAY_CALENDAR) == paris(2026, 3, 10, 14)
    assert add_business_time(paris(2026, 3, 10, 12, 45), HOUR, SPLIT_DAY_CALENDAR) == paris(2026, 3, 10, 14, 30)


# A year of deadlines on the jurists' calendar (09:00-18:00, Monday to Friday): every public holiday of
# 2026, the overseas abolition-of-slavery days, both clock changes, and pauses while the member is waited on.
YEAR_2026 = [
    # start, business hours, pauses, region, expected deadline
    (paris(2025, 12, 31, 17), 2, [], None, paris(2026, 1, 2, 10)),                            # New Year's Day
    (paris(2026, 3, 27, 17), 2, [], None, paris(2026, 3, 30, 10)),                            # spring clock change
    (paris(2026, 4, 3, 16), 9, [(paris(2026, 4, 3, 17), paris(2026, 4, 7, 10))], None,
     paris(2026, 4, 7, 18)),                                                                  # Easter Monday, paused
    (paris(2026, 4, 30, 10), 18, [], None, paris(2026, 5, 5, 10)),                            # 1 May
    (paris(2026, 5, 7, 15), 9, [(paris(2026, 5, 7, 16), paris(2026, 5, 11, 9, 30))], None,
     paris(2026, 5, 11, 17, 30)),                                                             # 8 May, paused
    (paris(2026, 5, 13, 12), 9, [], None, paris(2026, 5, 15, 12)),                            # Ascension
    (paris(2026, 5, 22, 14), 9, [], None, paris(2026, 5, 26, 14)),                            # Whit Monday
    (paris(2026, 5, 22, 14), 18, [], "guadeloupe", paris(2026, 5, 28, 14)),                  # + 27 May
    (paris(2026, 5, 21, 10), 18, [], "martinique", paris(2026, 5, 27, 10)),                  # 22 May + Whit Monday
    (paris(2026, 5, 26, 10), 18, [], "mayotte", paris(2026, 5, 28, 10)),                     # 27 April is long past
    (paris(2026, 6, 9, 10), 18, [], "guyane", paris(2026, 6, 12, 10)),                       # 10 June
    (paris(2026, 7, 13, 17), 4, [], None, paris(2026, 7, 15, 12)),                            # 14 July
    (paris(2026, 8, 14, 10), 9, [(paris(2026, 8, 14, 12), paris(2026, 8, 14, 14))], None,
     paris(2026, 8, 17, 12)),                                                                 # 15 August is a Saturday
    (paris(2026, 10, 23, 17), 2, [(paris(2026, 10, 24, 9), paris(2026, 10, 25, 20))], None,
     paris(2026, 10, 26, 10)),                                                                # autumn clock change
    (paris(2026, 11, 10, 10), 18, [(paris(2026, 11, 10, 11), paris(2026, 11, 12, 11))], None,
     paris(2026, 11, 16, 10)),                                                                # 11 November, paused
    (paris(2026, 12, 18, 10), 18, [], "la-reunion", paris(2026, 12, 22, 10)),                # 20 December: Sunday
    (paris(2026, 12, 24, 16), 9, [(paris(2026, 12, 24, 17), paris(2026, 12, 28, 9))], None,
     paris(2026, 12, 28, 17)),                                                                # Christmas, paused
]


@pytest.mark.parametrize(("start", "hours", "pauses", "region", "expected"), YEAR_2026)
def test_deadlines_through_2026_with_holidays_and_pauses(start, hours, pauses, region, expected):
    """Each row checks one holiday or clock change of 2026, with or without a pause."""
    calendar = BusinessCalendar.for_region(region)
    due_at = deadline_with_pauses(start, hours * HOUR, pauses, calendar)
    assert due_at == expected
    assert remaining_business_time(due_at, start, hours * HOUR, pauses, calendar) == timedelta(0)
    assert calendar.is_business_day(due_at.date())

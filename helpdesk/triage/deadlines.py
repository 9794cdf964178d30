"""Service-level deadline arithmetic on the business calendar of French jurists.

Business time is counted in local wall-clock time: an opening period of
09:00-18:00 lasts nine hours even on a day when clocks change. Every function
is pure: the current moment is always an argument, never read from the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache, partial
from zoneinfo import ZoneInfo

from helpdesk.translation import gettext as _, ngettext


OpeningPeriods = tuple[tuple[time, time], ...]
Pause = tuple[datetime, datetime | None]

ALSACE_MOSELLE = "alsace-moselle"
_ABOLITION_OF_SLAVERY_DAYS = {
    "guadeloupe": (5, 27),
    "martinique": (5, 22),
    "guyane": (6, 10),
    "la-reunion": (12, 20),
    "mayotte": (4, 27),
    "saint-martin": (5, 28),
    "saint-barthelemy": (10, 9),
}
KNOWN_REGIONS = frozenset({ALSACE_MOSELLE, *_ABOLITION_OF_SLAVERY_DAYS})
_REGIONS_BY_DEPARTMENT = {
    "57": ALSACE_MOSELLE,
    "67": ALSACE_MOSELLE,
    "68": ALSACE_MOSELLE,
    "971": "guadeloupe",
    "972": "martinique",
    "973": "guyane",
    "974": "la-reunion",
    "976": "mayotte",
    "977": "saint-barthelemy",
    "978": "saint-martin",
}

_NINE_TO_SIX: OpeningPeriods = ((time(9), time(18)),)
DEFAULT_OPENING_HOURS: tuple[OpeningPeriods, ...] = (_NINE_TO_SIX,) * 5 + ((), ())
DUE_SOON_WINDOW = timedelta(hours=24)
# A calendar that stays closed this long has no usable opening hours left.
_MAX_CLOSED_DAYS = 366


def easter_sunday(year: int) -> date:
    """Return Easter Sunday of a Gregorian year (anonymous Gregorian algorithm)."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    weekday_shift = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * weekday_shift) // 451
    month, day = divmod(h + weekday_shift - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=256)
def french_holidays(year: int, region: str | None = None) -> frozenset[date]:
    """Return the public holidays of a year, metropolitan ones plus those of a region slug."""
    easter = easter_sunday(year)
    holidays = {
        date(year, 1, 1),
        easter + timedelta(days=1),
        date(year, 5, 1),
        date(year, 5, 8),
        easter + timedelta(days=39),
        easter + timedelta(days=50),
        date(year, 7, 14),
        date(year, 8, 15),
        date(year, 11, 1),
        date(year, 11, 11),
        date(year, 12, 25),
    }
    if region == ALSACE_MOSELLE:
        holidays |= {easter - timedelta(days=2), date(year, 12, 26)}
    elif region in _ABOLITION_OF_SLAVERY_DAYS:
        holidays.add(date(year, *_ABOLITION_OF_SLAVERY_DAYS[region]))
    return frozenset(holidays)


def region_for_department(department: str) -> str | None:
    """Return the holiday region slug of a département code ("57", "974"...), None when metropolitan."""
    return _REGIONS_BY_DEPARTMENT.get(department.strip())


@dataclass(frozen=True)
class BusinessCalendar:
    """Opening periods in local wall time per weekday (Monday first), closed on holidays."""

    timezone: str = "Europe/Paris"
    opening_hours: tuple[OpeningPeriods, ...] = DEFAULT_OPENING_HOURS
    holidays: Callable[[int], Collection[date]] = french_holidays

    def __post_init__(self) -> None:
        """Reject an unknown time zone and malformed or empty opening hours."""
        ZoneInfo(self.timezone)
        if len(self.opening_hours) != 7:
            raise ValueError("opening_hours needs one entry per weekday, Monday first")
        for periods in self.opening_hours:
            previous_close = time.min
            for opens, closes in periods:
                if not previous_close <= opens < closes:
                    raise ValueError("opening periods must be increasing and not overlap")
                previous_close = closes
        if not any(self.opening_hours):
            raise ValueError("the calendar is never open")

    @classmethod
    def for_region(cls, region: str | None, **overrides) -> BusinessCalendar:
        """Return a calendar observing the public holidays of a region slug."""
        return cls(holidays=partial(french_holidays, region=region), **overrides)

    @property
    def tzinfo(self) -> ZoneInfo:
        """Return the calendar's time zone."""
        return ZoneInfo(self.timezone)

    @property
    def full_day_length(self) -> timedelta:
        """Return the business time of the longest opening day of the week."""
        return max(_periods_length(periods) for periods in self.opening_hours)

    def is_business_day(self, day: date) -> bool:
        """Tell whether the calendar opens at all on a day."""
        return bool(self.opening_periods(day))

    def opening_periods(self, day: date) -> OpeningPeriods:
        """Return the wall-time opening periods of a day (none on holidays)."""
        if day in self.holidays(day.year):
            return ()
        return self.opening_hours[day.weekday()]


DEFAULT_CALENDAR = BusinessCalendar()


def _periods_length(periods: OpeningPeriods) -> timedelta:
    """Return the total wall-clock length of opening periods."""
    some_day = date.min
    return sum(
        (datetime.combine(some_day, closes) - datetime.combine(some_day, opens) for opens, closes in periods),
        timedelta(0),
    )


def _as_utc(moment: datetime) -> datetime:
    """Return an aware moment in UTC, so that comparisons never depend on wall time."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("deadline arithmetic needs timezone-aware datetimes")
    return moment.astimezone(UTC)


def _to_wall(moment: datetime, calendar: BusinessCalendar) -> datetime:
    """Return an aware moment as naive local wall time of the calendar."""
    return _as_utc(moment).astimezone(calendar.tzinfo).replace(tzinfo=None)


def _from_wall(wall: datetime, calendar: BusinessCalendar) -> datetime:
    """Return naive local wall time as an aware moment of the calendar."""
    return wall.replace(tzinfo=calendar.tzinfo)


def _opening_windows(calendar: BusinessCalendar, since: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Yield naive wall-time opening windows from `since` onward, the first one clipped to it."""
    day = since.date()
    closed_days = 0
    while closed_days < _MAX_CLOSED_DAYS:
        periods = calendar.opening_periods(day)
        closed_days = 0 if periods else closed_days + 1
        for opens, closes in periods:
            window_start = max(datetime.combine(day, opens), since)
            window_end = datetime.combine(day, closes)
            if window_start < window_end:
                yield window_start, window_end
        day += timedelta(days=1)
    raise ValueError("the calendar has no opening day within a year")


def add_business_time(
    start: datetime, duration: timedelta, calendar: BusinessCalendar = DEFAULT_CALENDAR
) -> datetime:
    """Return the moment, in the calendar's zone, when `duration` of business time has elapsed after `start`."""
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    windows = _opening_windows(calendar, _to_wall(start, calendar))
    remaining = duration
    while True:
        window_start, window_end = next(windows)
        if remaining <= window_end - window_start:
            return _from_wall(window_start + remaining, calendar)
        remaining -= window_end - window_start


def business_time_between(start: datetime, end: datetime, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> timedelta:
    """Return the business time elapsed from `start` to `end` (zero when `end` is not later)."""
    if _as_utc(end) <= _as_utc(start):
        return timedelta(0)
    start_wall, end_wall = _to_wall(start, calendar), _to_wall(end, calendar)
    first_full_day, last_day = start_wall.date() + timedelta(days=1), end_wall.date()
    if (last_day - first_full_day).days < 7:
        return _wall_business_time(calendar, start_wall, end_wall)
    # Years overdue: the whole days in between count by the week, less their holidays, not one by one.
    return (_wall_business_time(calendar, start_wall, datetime.combine(first_full_day, time.min))
            + _business_time_of_days(calendar, first_full_day, last_day)
            + _wall_business_time(calendar, datetime.combine(last_day, time.min), end_wall))


def _wall_business_time(calendar: BusinessCalendar, since: datetime, until: datetime) -> timedelta:
    """Return the business time between two naive wall-time moments, window by window."""
    elapsed = timedelta(0)
    for window_start, window_end in _opening_windows(calendar, since):
        if window_start >= until:
            break
        elapsed += min(window_end, until) - window_start
    return elapsed


def _business_time_of_days(calendar: BusinessCalendar, first: date, stop: date) -> timedelta:
    """Return the business time of the whole days from `first` to `stop` (excluded)."""
    day_lengths = [_periods_length(periods) for periods in calendar.opening_hours]
    weeks, extra_days = divmod((stop - first).days, 7)
    elapsed = weeks * sum(day_lengths, timedelta(0))
    elapsed += sum((day_lengths[(first.weekday() + offset) % 7] for offset in range(extra_days)), timedelta(0))
    holidays = {day for year in range(first.year, stop.year + 1) for day in calendar.holidays(year)}
    return elapsed - sum((day_lengths[day.weekday()] for day in holidays if first <= day < stop), timedelta(0))


def _merged_pauses(start: datetime, pauses: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Return the closed pauses after `start` in UTC, clipped to it, sorted and merged."""
    start = _as_utc(start)
    intervals = []
    for pause_start, pause_end in pauses:
        pause_start, pause_end = _as_utc(pause_start), _as_utc(pause_end)
        if pause_end < pause_start:
            raise ValueError("a pause cannot end before it starts")
        if pause_end > start:
            intervals.append((max(pause_start, start), pause_end))
    merged: list[tuple[datetime, datetime]] = []
    for pause_start, pause_end in sorted(intervals):
        if merged and pause_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], pause_end))
        else:
            merged.append((pause_start, pause_end))
    return merged


def deadline_with_pauses(
    start: datetime,
    duration: timedelta,
    pauses: Iterable[Pause],
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> datetime | None:
    """Return the deadline when the clock stops during pauses; None while a pause is still open."""
    pauses = list(pauses)
    if any(pause_end is None for _, pause_end in pauses):
        return None
    cursor, remaining = start, duration
    for pause_start, pause_end in _merged_pauses(start, pauses):
        due_at = add_business_time(cursor, remaining, calendar)
        if due_at <= pause_start:
            return due_at
        remaining -= business_time_between(cursor, pause_start, calendar)
        cursor = pause_end
    return add_business_time(cursor, remaining, calendar)


def remaining_business_time(
    now: datetime,
    start: datetime,
    duration: timedelta,
    pauses: Iterable[Pause],
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> timedelta:
    """Return the business time left before the deadline at `now`, negative when overdue."""
    now = _as_utc(now)
    # An open pause is still running: it lasts until now.
    closed_pauses = [(begin, max(now, _as_utc(begin)) if end is None else end) for begin, end in pauses]
    elapsed = business_time_between(start, now, calendar)
    for pause_start, pause_end in _merged_pauses(start, closed_pauses):
        elapsed -= business_time_between(pause_start, min(pause_end, now), calendar)
    return duration - elapsed


@dataclass(frozen=True)
class DeadlineState:
    """Where a question stands against one deadline at a given moment, as a queue shows it."""

    due_at: datetime | None
    remaining: timedelta
    overdue: bool
    due_soon: bool
    description: str

    @property
    def paused(self) -> bool:
        """Tell whether the clock is stopped (the question waits on the member)."""
        return self.due_at is None

    @property
    def label(self) -> str:
        """Return the French status label of the deadline."""
        if self.overdue:
            return _("En retard")
        if self.paused:
            return _("En attente du membre")
        if self.due_soon:
            return _("À échéance sous 24 h")
        return _("Dans les délais")


def deadline_state(
    now: datetime,
    start: datetime,
    duration: timedelta,
    pauses: Iterable[Pause] = (),
    calendar: BusinessCalendar = DEFAULT_CALENDAR,
) -> DeadlineState:
    """Return the deadline state at `now`; "due soon" means due within 24 wall-clock hours."""
    pauses = list(pauses)
    now = _as_utc(now)
    due_at = deadline_with_pauses(start, duration, pauses, calendar)
    remaining = remaining_business_time(now, start, duration, pauses, calendar)
    overdue = now > due_at if due_at is not None else remaining < timedelta(0)
    return DeadlineState(
        due_at=due_at,
        remaining=remaining,
        overdue=overdue,
        due_soon=due_at is not None and not overdue and due_at - now <= DUE_SOON_WINDOW,
        description=describe_remaining(remaining, day_length=calendar.full_day_length),
    )


def describe_remaining(remaining: timedelta, *, day_length: timedelta = timedelta(hours=24)) -> str:
    """Return French text for a remaining business time ("échéance dans 2 j ouvrés 4 h", "en retard de 3 h ouvrées"):
    the words say the time is counted in opening hours, which a wall-clock reading would get wrong."""
    if remaining == timedelta(0):
        return _("échéance atteinte")
    amount = _describe_duration(abs(remaining), day_length)
    return (_("en retard de %(amount)s", amount=amount) if remaining < timedelta(0)
            else _("échéance dans %(amount)s", amount=amount))


def _describe_duration(duration: timedelta, day_length: timedelta) -> str:
    """Return a positive business duration in French, truncated to its two largest units."""
    days, rest = divmod(duration, day_length)
    hours, rest = divmod(rest, timedelta(hours=1))
    minutes = rest // timedelta(minutes=1)
    if days:
        return (ngettext("%(num)d j ouvré %(hours)d h", "%(num)d j ouvrés %(hours)d h", days, hours=hours) if hours
                else ngettext("%(num)d j ouvré", "%(num)d j ouvrés", days))
    if hours:
        return (_("%(hours)d h %(minutes)d min ouvrées", hours=hours, minutes=minutes) if minutes
                else ngettext("%(num)d h ouvrée", "%(num)d h ouvrées", hours))
    if minutes:
        return ngettext("%(num)d min ouvrée", "%(num)d min ouvrées", minutes)
    return _("moins d'une minute")


@dataclass(frozen=True)
class SlaPolicy:
    """The business time allowed for the first response and for the resolution of a question."""

    first_response: timedelta
    resolution: timedelta


def business_days(n: float, calendar: BusinessCalendar = DEFAULT_CALENDAR) -> timedelta:
    """Return `n` business days as business time: n times the calendar's full opening day."""
    return calendar.full_day_length * n


def default_sla_policies(calendar: BusinessCalendar = DEFAULT_CALENDAR) -> dict[str, SlaPolicy]:
    """Return the default service levels keyed by priority: urgent, high, normal, low."""
    return {
        "urgent": SlaPolicy(timedelta(hours=4), business_days(2, calendar)),
        "high": SlaPolicy(business_days(1, calendar), business_days(5, calendar)),
        "normal": SlaPolicy(business_days(2, calendar), business_days(10, calendar)),
        "low": SlaPolicy(business_days(5, calendar), business_days(20, calendar)),
    }

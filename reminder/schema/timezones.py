"""Time zone names → tzinfo, including "local".

"local" is the system's zone. When that is a POSIX TZ rule no zoneinfo file
names (``TZ=JST-9``, ``TZ=CET-1CEST,M3.5.0,M10.5.0/3``), the C library's own
reading of it is used; when it is nothing the C library can read either,
times are in UTC, and reminder says so.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import os
import re
import time
import zoneinfo

from reminder.schema.tomlfile import quote
from reminder.schema.values import Invalid


@functools.lru_cache(maxsize=16)
def resolve(name: str) -> dt.tzinfo:
    """An IANA name or "local" → its ZoneInfo; Invalid with a hint otherwise."""
    if name == "local":
        import tzlocal

        try:
            return tzlocal.get_localzone()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, LookupError) as error:
            rule = os.environ.get("TZ", "").strip()
            if _POSIX_TZ.match(rule):
                return SystemZone(rule.lstrip(":"))
            from reminder.errors import warn

            warn(
                f"The system's time zone ({_said(rule, error)}) is not one reminder can read, "
                'so "local" times are in UTC. Set timezone = "Europe/Berlin" (your zone) in the '
                "config's [settings], or TZ to such a name."
            )
            return dt.timezone.utc
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        import difflib

        known = zoneinfo.available_timezones()
        by_lower = {k.lower(): k for k in known}
        close = difflib.get_close_matches(name.lower(), list(by_lower), n=1, cutoff=0.6)
        hint = (
            f'did you mean "{by_lower[close[0]]}"?'
            if close
            else 'use "local" or an IANA name like "Europe/Berlin"'
        )
        raise Invalid(f"{quote(name)} is not a known time zone; {hint}") from None


_NAME = r"(?:[A-Za-z]{3,}|<[A-Za-z0-9+-]{3,}>)"
_OFFSET = r"[+-]?[0-9]{1,2}(?::[0-9]{2}){0,2}"
_DATE = r"(?:M[0-9]{1,2}\.[1-5]\.[0-6]|J?[0-9]{1,3})(?:/[+-]?[0-9]{1,3}(?::[0-9]{2}){0,2})?"
_POSIX_TZ = re.compile(rf"^:?{_NAME}{_OFFSET}(?:{_NAME}(?:{_OFFSET})?(?:,{_DATE},{_DATE})?)?$")
"""A POSIX TZ rule: std offset [dst [offset] [,start[/time],end[/time]]]."""


def _said(rule: str, error: Exception) -> str:
    return f"TZ={rule}" if rule else str(error).splitlines()[0]


class SystemZone(dt.tzinfo):
    """The zone the C library reads from $TZ, for POSIX rules no zoneinfo
    file names. Wall times map to instants as PEP 495 says: in a repeated
    hour fold=0 is the first reading, in a skipped one fold=0 uses the offset
    from before the change."""

    def __init__(self, rule: str) -> None:
        self.rule = rule

    def __repr__(self) -> str:
        return f"SystemZone({self.rule!r})"

    def __str__(self) -> str:
        return self.rule

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SystemZone) and other.rule == self.rule

    def __hash__(self) -> int:
        return hash(self.rule)

    @staticmethod
    def _offset_at(stamp: int) -> int:
        return time.localtime(stamp).tm_gmtoff

    def _instant(self, wall: dt.datetime) -> int:
        """The POSIX time (seconds) the wall time ``wall`` means."""
        as_utc = calendar.timegm(wall.replace(tzinfo=None).timetuple())
        before = self._offset_at(as_utc - 86400)
        after = self._offset_at(as_utc + 86400)
        readings = sorted(
            as_utc - offset
            for offset in {before, after}
            if self._offset_at(as_utc - offset) == offset
        )
        if readings:
            return readings[min(wall.fold, len(readings) - 1)]
        return as_utc - (after if wall.fold else before)  # a skipped wall time

    def utcoffset(self, wall: dt.datetime | None) -> dt.timedelta:
        if wall is None:
            return dt.timedelta(seconds=-time.timezone)
        stamp = self._instant(wall)
        offset = calendar.timegm(wall.replace(tzinfo=None).timetuple()) - stamp
        return dt.timedelta(seconds=offset)

    def dst(self, wall: dt.datetime | None) -> dt.timedelta:
        if wall is None:
            return dt.timedelta(0)
        return self.utcoffset(wall) - dt.timedelta(seconds=-time.timezone)

    def tzname(self, wall: dt.datetime | None) -> str:
        if wall is None:
            return time.tzname[0]
        return time.localtime(self._instant(wall)).tm_zone

    def fromutc(self, moment: dt.datetime) -> dt.datetime:
        stamp = calendar.timegm(moment.replace(tzinfo=None).timetuple())
        local = moment + dt.timedelta(seconds=self._offset_at(stamp))
        if self._instant(local.replace(fold=0)) != stamp:
            local = local.replace(fold=1)
        return local

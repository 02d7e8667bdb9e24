"""Time zone names → tzinfo, including "local"."""

from __future__ import annotations

import datetime as dt
import functools
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
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as error:
            raise Invalid(
                f'"local" could not be worked out on this system ({error}); '
                'set an IANA name like "Europe/Berlin" instead'
            ) from None
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

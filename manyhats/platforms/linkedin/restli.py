"""Rest.li 2.0 encoding for LinkedIn URLs: URNs in paths and structured query values.

LinkedIn's `/rest` endpoints speak Rest.li protocol 2.0 (header
`X-Restli-Protocol-Version: 2.0.0`). In that protocol the characters `( ) , :`
are syntax inside query values, so every string leaf (notably URNs) is
percent-encoded (the empty string is `''`), lists are written `List(a,b)` and records `(key:value,...)`:

    shares=List(urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2)
    timeIntervals=(timeRange:(start:1700000000000,end:1702592000000),timeGranularityType:DAY)

The query string is built here, already encoded, and appended to the URL as is
(httpx keeps `( ) , :` and `%XX` escapes in a query untouched), so nothing is
encoded twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote


def encode_urn(urn: str) -> str:
    """A URN (or any string) as one path segment or query leaf: `urn%3Ali%3Aorganization%3A1`."""
    return quote(urn, safe="")


def encode_value(value: Any) -> str:
    """One query value in Rest.li 2.0 syntax (strings, numbers, booleans, lists, records)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return encode_urn(value) if value else "''"  # Rest.li writes the empty string as ''

    if isinstance(value, Mapping):
        fields = ",".join(f"{encode_urn(str(k))}:{encode_value(v)}" for k, v in value.items())
        return f"({fields})"
    if isinstance(value, Sequence):
        return "List(" + ",".join(encode_value(v) for v in value) + ")"
    raise TypeError(f"cannot encode {type(value).__name__} for Rest.li")


def query_string(params: Mapping[str, Any]) -> str:
    """`key=value&...` with every value Rest.li-encoded; None values are left out.

    Enum words (`DAY`, `ADMINISTRATOR`) come out unchanged, being plain letters.
    """
    return "&".join(
        f"{quote(key, safe='')}={encode_value(value)}"
        for key, value in params.items()
        if value is not None
    )


def time_intervals(start_ms: int, end_ms: int, granularity: str = "DAY") -> dict[str, Any]:
    """The `timeIntervals` record of the statistics finders."""
    return {
        "timeRange": {"start": start_ms, "end": end_ms},
        "timeGranularityType": granularity,
    }

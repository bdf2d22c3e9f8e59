"""RFC 7240's `Prefer` request header: what a client would like the server to do, such as
`respond-async` (answer 202 at once rather than wait for the work). A header is a
comma-separated list of preferences, each `name[=value]` with `;`-separated parameters;
names are case-insensitive, values may be quoted strings (with commas or semicolons inside),
a request may send several headers, and only the first of each name counts (§2)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

RESPOND_ASYNC = "respond-async"


def _outside_quotes(text: str, separator: str) -> Iterator[str]:
    """`text` split at each `separator` that is not inside a quoted string."""
    start, quoted, escaped = 0, False, False
    for index, char in enumerate(text):
        if escaped:
            escaped = False
        elif quoted and char == "\\":
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            yield text[start:index]
            start = index + 1
    yield text[start:]


def _unquoted(value: str) -> str:
    """A token as it is; a quoted string without its quotes and escapes."""
    value = value.strip()
    if len(value) < 2 or value[0] != '"' or value[-1] != '"':
        return value
    chars: list[str] = []
    escaped = False
    for char in value[1:-1]:
        if char == "\\" and not escaped:
            escaped = True
        else:
            chars.append(char)
            escaped = False
    return "".join(chars)


def preferences(headers: Iterable[str]) -> dict[str, str]:
    """Every preference the `Prefer` headers state: its name in lower case → its value
    ("" when it has none), its parameters left out."""
    found: dict[str, str] = {}
    for header in headers:
        for element in _outside_quotes(header, ","):
            preference = next(_outside_quotes(element, ";"))
            name, _, value = preference.partition("=")
            name = name.strip().casefold()
            if name and name not in found:
                found[name] = _unquoted(value)
    return found


def prefers_async(headers: Iterable[str]) -> bool:
    """Whether the client asked for `Prefer: respond-async`."""
    return RESPOND_ASYNC in preferences(headers)

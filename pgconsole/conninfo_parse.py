"""Parsing libpq connection strings: keyword strings and postgresql:// URIs, as
libpq's conninfo_parse and conninfo_uri_parse do (same errors, same decoding)."""

from __future__ import annotations

import re
from urllib.parse import unquote_to_bytes

from .errors import PgConsoleError, scrub

# Keywords libpq accepts. Those ConnParams has no field for are accepted and ignored:
# the console sets its own application_name, and asyncpg cannot use the GSS ones.
KNOWN_KEYWORDS = frozenset("""
    host hostaddr port dbname user password passfile connect_timeout sslmode service
    servicefile application_name fallback_application_name client_encoding options
    keepalives keepalives_idle keepalives_interval keepalives_count tcp_user_timeout
    sslcert sslkey sslrootcert sslcrl sslcrldir sslpassword sslcompression sslsni
    sslnegotiation sslcertmode ssl_min_protocol_version ssl_max_protocol_version
    requirepeer require_auth channel_binding gssencmode gsslib gssdelegation
    krbsrvname target_session_attrs load_balance_hosts replication
    min_protocol_version max_protocol_version
""".split())
URI_PREFIXES = ("postgresql://", "postgres://")


def _bad(detail: str, text: str) -> PgConsoleError:
    return PgConsoleError(f'invalid connection string: {detail} in "{scrub_conninfo(text)}"')


def scrub_conninfo(text: str) -> str:
    """Hide the password of a keyword string or URI, for error messages."""
    if text.startswith(URI_PREFIXES):
        scheme, rest = text.split("://", 1)
        if m := re.match(r"([^@/:]*):[^?]*@", rest):  # user:password@ (to the last '@')
            rest = f"{m.group(1)}:***@{rest[m.end():]}"
        text = f"{scheme}://" + re.sub(r"([?&]password=)[^&]*", r"\1***", rest, flags=re.I)
    else:  # the value may be bare, half-quoted or followed by stray words: hide the rest
        text = re.sub(r"(password\s*=).*", r"\1***", text, flags=re.I | re.S)
    return scrub(text)


# libpq's conninfo_parse: key [ws] = [ws] value, the value either 'quoted' or bare
# up to whitespace; in both a backslash takes the next character literally.
_KW_RE = re.compile(r"\s*([^=\s]*)\s*(=?)\s*(?:'((?:[^'\\]|\\.)*)(')?|((?:[^\s\\]|\\.|\\$)*))", re.S)


def parse_conninfo(text: str) -> dict[str, str]:
    """Parse a libpq keyword string or a postgresql:// URI into keyword -> value."""
    if text.startswith(URI_PREFIXES):
        return _parse_uri(text)
    out: dict[str, str] = {}
    pos = 0
    while text[pos:].strip():
        m = _KW_RE.match(text, pos)
        assert m is not None   # every part of it is optional: it always matches
        key, eq, quoted, close, bare = m.groups()
        if not eq:  # the stray word may be half a password with a space in it
            word = "a word" if "password" in text.lower() else f'"{key}"'
            raise _bad(f'missing "=" after {word}', text)
        if quoted is not None and not close:
            raise _bad("unterminated quoted string", text)
        _store(out, key, re.sub(r"\\(.?)", r"\1", quoted if quoted is not None else bare, flags=re.S), text,
               f'invalid connection option "{key}"')
        pos = m.end()
    return out


def _store(out: dict[str, str], key: str, val: str, text: str, unknown: str) -> None:
    if key == "requiressl":  # deprecated spelling, translated as libpq does
        key, val = "sslmode", "require" if val.startswith("1") else "prefer"
    if key not in KNOWN_KEYWORDS:
        raise _bad(unknown, text)
    out[key] = val  # later settings win, as in libpq


def _pct(s: str, text: str) -> str:
    """Decode one URI component as libpq's conninfo_uri_decode: strict %XX, no '+',
    surrounding spaces dropped, inner spaces refused."""
    s = s.strip(" ")
    if " " in s:
        raise _bad("unexpected spaces found (use %20)", text)
    if re.search(r"%(?![0-9a-fA-F]{2})", s):
        raise _bad("invalid percent-encoded token", text)
    if "%00" in s:  # every '%' now starts a token, so this is one
        raise _bad("forbidden value %00 in percent-encoded value", text)
    try:
        return unquote_to_bytes(s).decode()
    except UnicodeDecodeError:
        raise _bad("percent-encoded value is not valid UTF-8", text) from None


_NETLOC_RE = re.compile(r"(?:\[(?P<v6>[^\]]*)(?P<end>\]?)|(?P<name>[^:/?,]*))(?::(?P<port>[^/?,]*))?")


def _parse_uri(text: str) -> dict[str, str]:
    # postgresql://[user[:password]@][netloc][:port][,...][/dbname][?param=value&...]
    out: dict[str, str] = {}
    p = text.split("://", 1)[1]
    if m := re.match(r"([^@/]*)@", p):  # userinfo: up to the first '@' before any '/'
        user, _, pw = m.group(1).partition(":")
        for key, val in (("user", user), ("password", pw)):
            if val:
                out[key] = _pct(val, text)
        p = p[m.end():]
    # like libpq, the host and port pieces are joined with ',' and decoded as one
    # value each; resolve() keeps the first
    hosts, ports = [], []
    while True:
        m = _NETLOC_RE.match(p)
        assert m is not None   # every part of it is optional: it always matches
        if m["v6"] is not None:
            if not m["end"]:
                raise _bad('missing "]" after IPv6 host address', text)
            if not m["v6"]:
                raise _bad("IPv6 host address may not be empty", text)
        hosts.append(m["v6"] if m["v6"] is not None else m["name"])
        ports.append(m["port"] or "")
        p = p[m.end():]
        if p and p[0] not in ",/?":
            raise _bad(f'unexpected character "{p[0]}" after IPv6 host address', text)
        if not p.startswith(","):
            break
        p = p[1:]
    for key, joined in (("host", ",".join(hosts)), ("port", ",".join(ports))):
        if joined:
            out[key] = _pct(joined, text)
    path, _, query = p.partition("?")
    if path[1:]:
        out["dbname"] = _pct(path[1:], text)
    items = query.split("&") if query else []
    if len(items) > 1 and not items[-1]:
        items.pop()  # a trailing '&' is allowed
    for item in items:
        key, eq, val = item.partition("=")
        if not eq:
            raise _bad('missing key/value separator "=" in URI query parameter', text)
        if "=" in val:
            raise _bad('extra key/value separator "=" in URI query parameter', text)
        key, val = _pct(key, text), _pct(val, text)
        if key == "ssl" and val == "true":  # JDBC spelling, which libpq also accepts
            key, val = "sslmode", "require"
        _store(out, key, val, text, f'invalid URI query parameter "{key}"')
    return out

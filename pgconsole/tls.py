"""TLS for asyncpg, set up from sslmode and the ssl* files the way libpq sets it up.

Left to itself asyncpg reads only its own environment and ~/.postgresql, so a
`sslrootcert=` in a URI or service file would be ignored and its errors would name
another file. Here the resolved parameters decide, with libpq's rules:

- Unix sockets never use TLS (libpq ignores sslmode there);
- disable: no TLS; allow / prefer: TLS when the server offers it, unverified (asyncpg's own);
- require: TLS; the server certificate is checked against the root certificate when that
  file exists (as libpq does), otherwise not checked;
- verify-ca / verify-full: the root certificate must exist; verify-full also checks the
  host name; `sslrootcert=system` trusts the system's roots and needs verify-full;
- a client certificate from sslcert / sslkey, else ~/.postgresql/postgresql.crt / .key.
"""

from __future__ import annotations

import os
import ssl as ssl_module
from pathlib import Path
from typing import Callable

from .errors import PgConsoleError

_VERIFY = ("verify-ca", "verify-full")


def asyncpg_ssl(host: str, sslmode: str | None, *, rootcert: str | None = None, cert: str | None = None,
                key: str | None = None, crl: str | None = None, home: Path | None = None
                ) -> bool | str | ssl_module.SSLContext:
    """The `ssl` argument for asyncpg.connect: False, 'prefer'/'allow', or an SSLContext."""
    mode = sslmode or "prefer"
    if host.startswith("/") or mode == "disable":
        return False
    if mode in ("allow", "prefer"):
        return mode
    dot = (home or _home()) / ".postgresql"
    if rootcert == "system":
        if mode != "verify-full":
            raise PgConsoleError(f'weak sslmode "{mode}" may not be used with sslrootcert=system '
                                 '(use "verify-full")')
        ctx = ssl_module.create_default_context()
    else:
        ctx = ssl_module.SSLContext(ssl_module.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = mode == "verify-full"
        root = Path(rootcert).expanduser() if rootcert else dot / "root.crt"
        if root.is_file():
            _load(ctx.load_verify_locations, "root certificate", root)
            ctx.verify_mode = ssl_module.CERT_REQUIRED
        elif mode in _VERIFY:
            raise PgConsoleError(
                f'root certificate file "{root}" does not exist: provide the file (sslrootcert=FILE), '
                "use the system's trusted roots with sslrootcert=system, or change sslmode to disable "
                "server certificate verification")
        else:  # require without a root certificate: encrypted, not verified
            ctx.verify_mode = ssl_module.CERT_NONE
        crl_path = Path(crl).expanduser() if crl else dot / "root.crl"
        if crl_path.is_file() and ctx.verify_mode == ssl_module.CERT_REQUIRED:
            _load(ctx.load_verify_locations, "certificate revocation list", crl_path)
            ctx.verify_flags |= ssl_module.VERIFY_CRL_CHECK_CHAIN
    cert_path = Path(cert).expanduser() if cert else dot / "postgresql.crt"
    if cert_path.is_file():
        key_path = Path(key).expanduser() if key else dot / "postgresql.key"
        _load(lambda p: ctx.load_cert_chain(p, keyfile=key_path if key_path.is_file() else None),
              "certificate", cert_path)
    elif cert:
        raise PgConsoleError(f'certificate file "{cert_path}" does not exist')
    ctx.minimum_version = ssl_module.TLSVersion.TLSv1_2  # libpq's default ssl_min_protocol_version
    return ctx


def _load(fn: Callable[[str], object], what: str, path: Path) -> None:
    try:
        fn(str(path))
    except (OSError, ssl_module.SSLError) as exc:
        reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or str(exc)
        raise PgConsoleError(f'could not read {what} file "{path}": {reason}') from None


def _home() -> Path:
    import pwd
    return Path(os.environ.get("HOME") or pwd.getpwuid(os.geteuid()).pw_dir)

"""Faker value pools: Faker is called a few thousand times per provider, never per cell.

Rows then sample from the pools (see generate.py) with the run's --seed. A pool is a
pure function of (Faker version, locale, provider, arguments, size), the same for every
seed, so pools are cached: in-process for repeated runs (tests, the console) and as
JSON under ~/.cache/pgconsole/pools, which spares the next run the Faker calls.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from faker import Faker

DEFAULT_SIZE = 5000
MIN_SIZE = 200
_cache: dict[PoolKey, list[Any]] = {}
_fakers: dict[str, Faker] = {}


@dataclass(frozen=True)
class PoolKey:
    locale: str
    provider: str
    args: str          # JSON of the keyword arguments, sorted: hashable and stable
    size: int


def make_key(locale: str, provider: str, args: dict[str, Any] | None, size: int) -> PoolKey:
    return PoolKey(locale, provider, json.dumps(args or {}, sort_keys=True, default=str), size)


def _faker(locale: str) -> Faker:
    f = _fakers.get(locale)
    if f is None:
        from faker import Faker  # imported only when a pool is built: it takes a while
        # use_weighting=False: several times faster, and pools are sampled again anyway
        f = Faker(locale, use_weighting=False)
        _fakers[locale] = f
    return f


def check_provider(locale: str, provider: str, args: dict[str, Any] | None) -> tuple[Any, str | None]:
    """Call the provider once; return (sample value, None) or (None, one-line problem)."""
    try:
        fake = _faker(locale)
    except AttributeError:
        return None, f"unknown Faker locale {locale!r}"
    fn = getattr(fake, provider, None)
    if fn is None or provider.startswith("_") or not callable(fn):
        return None, f"Faker has no provider {provider!r}"
    try:
        return fn(**(args or {})), None
    except Exception as exc:  # a provider's own error: bad argument names or values
        return None, f"Faker {provider}({_args_text(args)}) failed: {type(exc).__name__}: {exc}"


def _args_text(args: dict[str, Any] | None) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in (args or {}).items())


def build_pool(key: PoolKey) -> list[Any]:
    """The pool's values (Python objects as the provider returns them)."""
    hit = _cache.get(key)
    if hit is None:
        hit = _read_disk(key)
    if hit is None:
        fake = _faker(key.locale)
        fake.seed_instance(f"{key.provider}|{key.args}|{key.size}")
        fn = getattr(fake, key.provider)
        args = json.loads(key.args)
        hit = [fn(**args) for _ in range(key.size)]
        _write_disk(key, hit)
    if len(_cache) > 128:
        _cache.clear()
    _cache[key] = hit
    return hit


def _disk_path(key: PoolKey) -> Path | None:
    try:
        from importlib.metadata import version
        fv = version("faker")
    except Exception:   # no metadata: no cache rather than a stale one
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    name = hashlib.sha256(json.dumps([fv, key.locale, key.provider, key.args, key.size]).encode()).hexdigest()
    return Path(base) / "pgconsole" / "pools" / f"{name[:32]}.json"


def _read_disk(key: PoolKey) -> list[Any] | None:
    path = _disk_path(key)
    try:
        values = json.loads(path.read_text(encoding="utf-8")) if path else None
    except (OSError, ValueError):
        return None
    return values if isinstance(values, list) and len(values) == key.size else None


def _write_disk(key: PoolKey, values: list[Any]) -> None:
    """Cache string pools only: JSON would turn dates or Decimals into other types."""
    path = _disk_path(key)
    if path is None or not all(isinstance(v, str) for v in values):
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)
    except OSError:
        pass   # a read-only home only costs the next run the Faker calls


def pool_size(requested: int | None, rows: int) -> int:
    """Pools as big as asked, else as DEFAULT_SIZE, but not much bigger than the rows need."""
    if requested:
        return requested
    return max(MIN_SIZE, min(DEFAULT_SIZE, rows))

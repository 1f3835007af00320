"""Faker value pools: Faker is called a few thousand times per provider, never per cell.

Rows then sample from the pools (see generate.py). A pool is a pure function of
(locale, provider, arguments, size, seed), so any process builds the same one, and
pools are cached in-process for repeated runs (tests, the console).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

DEFAULT_SIZE = 5000
MIN_SIZE = 200
_cache: dict[PoolKey, list] = {}
_fakers: dict[str, object] = {}


@dataclass(frozen=True)
class PoolKey:
    locale: str
    provider: str
    args: str          # JSON of the keyword arguments, sorted: hashable and stable
    size: int
    seed: int


def make_key(locale: str, provider: str, args: dict | None, size: int, seed: int) -> PoolKey:
    return PoolKey(locale, provider, json.dumps(args or {}, sort_keys=True, default=str), size, seed)


def _faker(locale: str):
    f = _fakers.get(locale)
    if f is None:
        from faker import Faker  # imported only when a pool is built: it takes a while
        # use_weighting=False: several times faster, and pools are sampled again anyway
        f = Faker(locale, use_weighting=False)
        _fakers[locale] = f
    return f


def check_provider(locale: str, provider: str, args: dict | None):
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


def _args_text(args: dict | None) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in (args or {}).items())


def build_pool(key: PoolKey) -> list:
    """The pool's values (Python objects as the provider returns them)."""
    hit = _cache.get(key)
    if hit is not None:
        return hit
    fake = _faker(key.locale)
    fake.seed_instance(f"{key.seed}|{key.provider}|{key.args}|{key.size}")
    fn = getattr(fake, key.provider)
    args = json.loads(key.args)
    values = [fn(**args) for _ in range(key.size)]
    if len(_cache) > 128:
        _cache.clear()
    _cache[key] = values
    return values


def pool_size(requested: int | None, rows: int) -> int:
    """Pools as big as asked, else as DEFAULT_SIZE, but not much bigger than the rows need."""
    if requested:
        return requested
    return max(MIN_SIZE, min(DEFAULT_SIZE, rows))

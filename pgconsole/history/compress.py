"""Record payloads compressed with zstd; a change record against its keyframe.

A keyframe is compressed on its own. A change record is compressed with its keyframe's
payload as a raw-content dictionary: what a change repeats (statement texts, application
names, the field layout) is already in the keyframe, so the few bytes a change costs
are mostly the new numbers. A reader has that keyframe anyway (every seek starts there).
The first byte says how a blob was packed, so the scheme can change without a new format.
"""

from __future__ import annotations

import zstandard

RAW, ZSTD, ZSTD_KEYDICT = 0, 1, 2
KEY_LEVEL = 9      # keyframes are few: worth a higher level
KEY_TABLES_LOG = 17   # ...but not its match tables: level 9 sizes them for the payload (a
                      # 1.2 MB keyframe: a 10 MB context kept for good); 2^17 give the same size
DELTA_LEVEL = 3    # one per refresh: cheap


class Packer:
    def __init__(self) -> None:
        self._delta: zstandard.ZstdCompressor | None = None

    def pack(self, payload: bytes, key: bool) -> bytes:
        if key:
            d = zstandard.ZstdCompressionDict(payload, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
            d.precompute_compress(level=DELTA_LEVEL)
            self._delta = zstandard.ZstdCompressor(dict_data=d, write_content_size=True)
            params = zstandard.ZstdCompressionParameters.from_level(
                KEY_LEVEL, source_size=len(payload), hash_log=KEY_TABLES_LOG, chain_log=KEY_TABLES_LOG)
            return bytes([ZSTD]) + zstandard.ZstdCompressor(compression_params=params).compress(payload)
        if self._delta is None:
            raise ValueError("a change record before any keyframe")
        return bytes([ZSTD_KEYDICT]) + self._delta.compress(payload)


class Unpacker:
    """Unpacks a chain: its keyframe first, then change records against it."""

    def __init__(self) -> None:
        self._plain = zstandard.ZstdDecompressor()
        self._delta: zstandard.ZstdDecompressor | None = None
        self._key_payload: bytes | None = None

    def unpack(self, blob: bytes) -> bytes:
        if not blob:
            raise ValueError("an empty record")
        kind, body = blob[0], memoryview(blob)[1:]
        if kind == RAW:
            return bytes(body)
        if kind == ZSTD:
            payload = self._plain.decompress(body)
            return payload
        if kind == ZSTD_KEYDICT:
            if self._delta is None:
                raise ValueError("a change record without its keyframe")
            return self._delta.decompress(body)
        raise ValueError(f"unknown packing {kind}")

    def keyframe(self, payload: bytes) -> None:
        """The keyframe just unpacked: the dictionary of the change records after it."""
        if payload is self._key_payload:
            return
        self._key_payload = payload
        d = zstandard.ZstdCompressionDict(payload, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        self._delta = zstandard.ZstdDecompressor(dict_data=d)

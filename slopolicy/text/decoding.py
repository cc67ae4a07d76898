"""Bytes to text: UTF-8 (with or without BOM), or UTF-16/32 with a BOM."""
from __future__ import annotations

import codecs
from typing import NamedTuple


class DecodeError(NamedTuple):
    """Why bytes are not text, and where (1-based)."""

    message: str
    line: int
    column: int


def decode(raw: bytes) -> tuple[str | None, DecodeError | None]:
    """Bytes to text: UTF-8 (with or without BOM), or UTF-16/32 with a BOM."""
    if b"\x00" in raw[:8192] and not raw.startswith(
        (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
    ):
        return None, DecodeError("binary file (NUL bytes): not YAML or JSON", 1, 1)
    boms = (
        (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same bytes
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    )
    encoding = next((name for bom, name in boms if raw.startswith(bom)), "utf-8")
    try:
        return raw.decode(encoding), None
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        return None, DecodeError(
            f"not valid {encoding.upper().replace('-SIG', '')} text: byte 0x{raw[exc.start]:02x} "
            "cannot be decoded; save the file as UTF-8",
            line,
            column,
        )

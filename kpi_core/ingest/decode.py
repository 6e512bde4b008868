"""A text file's encoding, decided from the whole file, and a clean UTF-8 copy when one is needed.

UTF-8 wins whenever the file is UTF-8 apart from a few stray bytes: those are reported, never a
reason to re-read every accented letter as Windows-1252 (`CafÃ©`). Other files are told apart by
charset-normalizer among the encodings real exports use. The copy DuckDB reads also drops what
would hide inside values (byte-order marks mid-file, zero-width spaces) and turns lone CRs into
line ends, so that a value is never cut or merged.
"""

from __future__ import annotations

import codecs
import mmap
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, BinaryIO

from kpi_core import messages
from kpi_core.errors import InputError

CHUNK = 8 * 1024 * 1024
# Tried in this order when charset-normalizer finds several equally clean: Western first, then
# the CJK encodings of the exports this product meets, then Cyrillic and Central European.
CANDIDATES = ("cp1252", "gb18030", "cp932", "big5", "cp949", "cp1251", "cp1250", "euc_jp")
MULTIBYTE = ("gb18030", "cp932", "big5", "cp949", "euc_jp")
# Latin-script code pages that read short Western text equally "cleanly" (not Cyrillic 1251, Greek 1253...)
_LATIN_SINGLE_BYTE = re.compile(r"^(cp125[02478]|latin_1|iso8859_(1|2|15)|mac_(roman|latin2))$")
_KANA = re.compile(r"[\u3040-\u30ff]")

# Invisible characters that only ever get into a cell by accident (a BOM of a pasted file, a
# zero-width space from a web page). Zero-width (non-)joiners are left alone: scripts and emoji need them.
INVISIBLE = "\ufeff\u200b\u2060"
_INVISIBLE_BYTES = tuple(c.encode("utf-8") for c in INVISIBLE)
_LONE_CR = re.compile(rb"\r(?!\n)")


@dataclass(frozen=True)
class Decoding:
    encoding: str  # a Python codec name
    clean: bool  # the bytes can be handed to DuckDB as they are (UTF-8, nothing to fix)


@dataclass(frozen=True)
class CleanReport:
    undecodable: int = 0  # byte sequences that were not valid in the encoding (shown as �)
    first_undecodable_line: int | None = None
    invisible: int = 0  # BOMs and zero-width spaces removed from values and headers
    lone_cr: int = 0  # lone carriage returns read as line ends

    def warnings(self, encoding: str) -> list[str]:
        out = []
        if self.undecodable:
            out.append(
                messages.WARN_UNDECODABLE.format(
                    count=self.undecodable, encoding=label(encoding), line=self.first_undecodable_line
                )
            )
        if self.invisible:
            out.append(messages.WARN_INVISIBLE_CHARACTERS.format(count=self.invisible))
        if self.lone_cr:
            out.append(messages.WARN_LONE_CR.format(count=self.lone_cr))
        return out


def label(encoding: str) -> str:
    """The encoding's everyday name."""
    return {
        "utf-8": "UTF-8",
        "utf-8-sig": "UTF-8",
        "cp1252": "Windows-1252",
        "cp932": "Shift-JIS",
        "gb18030": "GB18030",
        "big5": "Big5",
        "cp949": "Korean (CP949)",
        "cp1251": "Windows-1251",
        "cp1250": "Windows-1250",
        "euc_jp": "EUC-JP",
    }.get(encoding, encoding)


def detect(handle: BinaryIO, sample: bytes) -> Decoding:
    """The file's encoding; ``sample`` is its start, ``handle`` the whole file (read in chunks)."""
    if sample.startswith(codecs.BOM_UTF8):
        valid, ascii_only, _, _ = _utf8_evidence(handle, start=3)
        return Decoding("utf-8-sig", clean=valid and not _needs_cleaning(handle, start=3, ascii_only=ascii_only))
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return Decoding("utf-16", clean=False)
    head = sample[:4096]
    if head and head.count(b"\x00") > len(head) // 4:
        # UTF-16 without a BOM: every other byte of ASCII text is NUL.
        even_nuls, odd_nuls = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
        if odd_nuls > len(head) // 3 and even_nuls < len(head) // 20:
            return Decoding("utf-16-le", clean=False)
        if even_nuls > len(head) // 3 and odd_nuls < len(head) // 20:
            return Decoding("utf-16-be", clean=False)
    if b"\x00" in head:
        raise InputError(messages.BINARY_FILE)
    valid, ascii_only, sequences, strays = _utf8_evidence(handle)
    if valid:
        return Decoding("utf-8", clean=not _needs_cleaning(handle, ascii_only=ascii_only))
    if sequences > strays:
        return Decoding("utf-8", clean=False)  # UTF-8 with a few stray bytes: kept, and reported
    legacy = _legacy_encoding(_non_ascii_lines(handle))
    if sequences and legacy not in MULTIBYTE:
        # Real UTF-8 letters beside many bad bytes: a damaged UTF-8 file, not a Western code page
        # (whose accented letters stand alone and almost never form a UTF-8 sequence).
        return Decoding("utf-8", clean=False)
    return Decoding(legacy, clean=False)


def _chunks(handle: BinaryIO, start: int = 0) -> Iterator[bytes]:
    handle.seek(start)
    while chunk := handle.read(CHUNK):
        yield chunk


def _utf8_evidence(handle: BinaryIO, start: int = 0) -> tuple[bool, bool, int, int]:
    """(the whole file is valid UTF-8, it is all ASCII, its well-formed multi-byte sequences, its other
    high bytes); the counts only when it is not valid."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    ascii_only = True
    try:
        for chunk in _chunks(handle, start):
            if chunk.isascii():  # a fast byte scan; ASCII is valid UTF-8 (none is cut mid-character)
                decoder.decode(b"", final=True)  # ...unless the previous chunk ended inside one
                continue
            ascii_only = False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return True, ascii_only, 0, 0
    except UnicodeDecodeError:
        pass
    sequences = strays = 0
    for chunk in _chunks(handle, start):
        found = _UTF8_SEQUENCE.findall(chunk)
        sequences += len(found)
        strays += len(_HIGH_BYTE.findall(chunk)) - sum(len(m) for m in found)
    return False, False, sequences, strays


_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")
_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _non_ascii_lines(handle: BinaryIO, limit: int = 64 * 1024) -> bytes:
    """Lines holding non-ASCII bytes, up to ``limit`` bytes: what tells one code page from another."""
    picked: list[bytes] = []
    size = 0
    for chunk in _chunks(handle):
        for line in chunk.splitlines():
            if not line.isascii():
                picked.append(line)
                size += len(line)
                if size >= limit:
                    return b"\n".join(picked)
    return b"\n".join(picked)


def _legacy_encoding(material: bytes) -> str:
    """The code page that reads ``material`` most cleanly (Windows-1252 among Latin look-alikes)."""
    from charset_normalizer import from_bytes  # imported here: only legacy files need it

    japanese = _decoded(material, "cp932")
    if japanese is not None and len(_KANA.findall(japanese)) * 5 >= sum(1 for c in japanese if ord(c) > 127):
        # Full-width kana in a fifth of the letters: Japanese. Chinese bytes read as Shift-JIS give
        # half-width katakana and odd kanji instead, and short texts can fool the detector.
        return "cp932"

    matches = [m for m in from_bytes(material, cp_isolation=list(CANDIDATES)) if m.encoding in CANDIDATES]
    if not matches:
        return "cp1252" if _decodes(material, "cp1252") else "latin-1"
    best = min(matches, key=lambda m: (round(m.chaos, 3), CANDIDATES.index(m.encoding)))
    if _LATIN_SINGLE_BYTE.match(best.encoding) and _decodes(material, "cp1252"):
        return "cp1252"  # short Western text reads "cleanly" in several Latin code pages
    return best.encoding


def _decoded(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _decodes(data: bytes, encoding: str) -> bool:
    return _decoded(data, encoding) is not None


def _needs_cleaning(handle: BinaryIO, start: int = 0, ascii_only: bool = False) -> bool:
    """Whether the file holds invisible characters (never in an ASCII file) or lone CRs."""
    marks = () if ascii_only else _INVISIBLE_BYTES
    try:
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            # One search per literal (C speed); the alternation regex is ten times slower.
            return any(data.find(mark, start) >= 0 for mark in marks) or (
                data.find(b"\r", start) >= 0 and _LONE_CR.search(data, start) is not None
            )
    except (ValueError, OSError, AttributeError):  # empty file, or not a real file
        for chunk in _chunks(handle, start):
            if any(mark in chunk for mark in marks) or _LONE_CR.search(chunk):
                return True
        return False


_LINE_END = re.compile(r"\r\n?")
INVISIBLE_TABLE = {ord(c): None for c in INVISIBLE}


def clean_copy(source: BinaryIO, encoding: str, target: IO[bytes]) -> CleanReport:
    """Write ``source`` to ``target`` as clean UTF-8: one encoding, no invisible characters, LF or
    with LF line ends only. Undecodable bytes become U+FFFD and are counted."""
    undecodable = 0  # U+FFFD in the text: replaced bytes (or, rarely, the character itself)
    first_bad: int | None = None
    lines_done = 0
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    invisible = lone_cr = 0
    carry_cr = False
    first = True
    for chunk in _chunks(source):
        text = decoder.decode(chunk)
        if first:
            text = text.removeprefix("\ufeff")  # a BOM at the very start is the encoding's, not a value's
            first = False
        replaced = text.count("\ufffd")
        if replaced and first_bad is None:
            first_bad = lines_done + text[: text.find("\ufffd")].count("\n") + 1
        undecodable += replaced
        cleaned = text.translate(INVISIBLE_TABLE)
        invisible += len(text) - len(cleaned)
        if carry_cr:
            cleaned = "\r" + cleaned
        carry_cr = cleaned.endswith("\r")
        if carry_cr:
            cleaned = cleaned[:-1]
        lone_cr += len(re.findall(r"\r(?!\n)", cleaned))
        cleaned = _LINE_END.sub("\n", cleaned)  # one line end throughout: DuckDB's skip miscounts mixed ones
        lines_done += cleaned.count("\n")
        target.write(cleaned.encode("utf-8"))
    tail = decoder.decode(b"", final=True)
    if carry_cr:
        tail = "\r" + tail
    if tail:
        lone_cr += len(re.findall(r"\r(?!\n)", tail))
        target.write(_LINE_END.sub("\n", tail.translate(INVISIBLE_TABLE)).encode("utf-8"))
    return CleanReport(undecodable, first_bad, invisible, lone_cr)

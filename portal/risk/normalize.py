"""Normalisation with a map back to the original offsets.

Detectors run on a normalised copy of the prompt (NFKC: full-width digits and letters become
ASCII, half-width katakana becomes full-width, ``㈱`` becomes ``(株)``; every dash-like
character between two digits becomes ``-``). Highlights must land on the text the learner
typed, so :class:`Normalized` keeps a piecewise map from normalised to original offsets.

Design for speed: the common conversions (full-width ASCII, the ideographic space) are 1:1 and
done with ``str.translate``; only if the result is still not NFKC-normal do we walk the text
cluster by cluster. Mapping is stored as segments, so an unchanged text maps in O(1).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, ideographic space -> space: both 1:1.
_FAST_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FAST_TABLE[0x3000] = 0x20

# Dash family that people type between digits (phone numbers, card numbers, postal codes).
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\ufe63\u2043\u02d7\uff70\u2500\u2501"
_DASH_BETWEEN_DIGITS = re.compile(rf"[{DASHES}](?<=[0-9][{DASHES}])(?=[0-9])")

# Characters that join the previous character under NFKC composition.
_JOINERS = {"\uff9e", "\uff9f", "\u3099", "\u309a", "\u309b", "\u309c"}

_CHUNK = 512


def _is_joiner(ch: str) -> bool:
    return ch in _JOINERS or unicodedata.combining(ch) != 0


@dataclass
class Normalized:
    """The normalised text plus the offset map back to ``original``."""

    original: str
    text: str
    # Segments sorted by normalised start: (norm_start, orig_start, norm_len, orig_len).
    # A segment with norm_len == orig_len maps linearly; otherwise every position inside it maps
    # to the whole original cluster.
    _segments: list[tuple[int, int, int, int]] = field(default_factory=list)
    _starts: list[int] = field(default_factory=list)

    @property
    def identity(self) -> bool:
        return not self._segments

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a normalised span [start, end) to the original text."""
        if not self._segments:
            return start, end
        if end <= start:
            o = self._orig_start(start)
            return o, o
        return self._orig_start(start), self._orig_end(end - 1)

    def _seg(self, pos: int) -> tuple[int, int, int, int]:
        i = bisect_right(self._starts, pos) - 1
        return self._segments[max(i, 0)]

    def _orig_start(self, pos: int) -> int:
        if pos >= len(self.text):
            return len(self.original)
        ns, os_, nl, ol = self._seg(pos)
        if nl == ol:
            return os_ + (pos - ns)
        return os_

    def _orig_end(self, last: int) -> int:
        """Original end (exclusive) of the cluster that holds normalised position ``last``."""
        ns, os_, nl, ol = self._seg(last)
        if nl == ol:
            return os_ + (last - ns) + 1
        return os_ + ol


_length_changing: "_CharSet | None" = None


def _length_changing_re() -> "_CharSet":
    """Characters whose NFKC form is not exactly one character, combining marks, and every
    character that can be the second half of a canonical composition. A text without any of
    them normalises character by character, so NFKC keeps every offset."""
    global _length_changing
    if _length_changing is None:
        import sys

        chars: set[int] = set()
        one_to_one: dict[str, str] = {}
        ranges = [(0x00A0, 0x10000), (0x1D400, 0x1D800), (0x1EE00, 0x1EF00), (0x1F100, 0x1F300), (0x2F800, 0x2FA20)]
        for lo, hi in ranges:
            for cp in range(lo, min(hi, sys.maxunicode + 1)):
                ch = chr(cp)
                nf = unicodedata.normalize("NFKC", ch)
                if len(nf) != 1 or unicodedata.combining(ch) or unicodedata.combining(nf[0]):
                    chars.add(cp)
                elif nf != ch:
                    one_to_one[ch] = nf
                dec = unicodedata.decomposition(ch)
                if dec and not dec.startswith("<"):
                    parts = dec.split()
                    if len(parts) == 2:
                        chars.add(int(parts[1], 16))
        for lo, hi in ((0x1100, 0x1200), (0x3130, 0x3190), (0xA960, 0xA980), (0xD7B0, 0xD800), (0xFFA0, 0xFFDD)):
            chars.update(range(lo, hi))
        chars.update(ord(c) for c in _JOINERS)
        # Combining marks outside the scanned ranges (e.g. U+1D165..) are rare; cover the blocks.
        chars.update(range(0x1D165, 0x1D1AE))
        cps = sorted(chars)
        for cp in chars:
            one_to_one.pop(chr(cp), None)
        global _one_to_one_re, _one_to_one_map
        _one_to_one_map = one_to_one
        _one_to_one_re = _char_class(sorted(ord(c) for c in one_to_one))
        _length_changing = _char_class(cps)
    return _length_changing


_one_to_one_map: dict[str, str] = {}
_one_to_one_re: "_CharSet | None" = None


def _one_to_one_sub(m: re.Match[str]) -> str:
    return _one_to_one_map[m.group()]


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


class _CharSet:
    """A character class split in two: BMP characters compile to a bitmap (fast), astral ones
    to a short range list that is only searched when the text has astral characters."""

    def __init__(self, cps: list[int]) -> None:
        bmp = [c for c in cps if c <= 0xFFFF]
        astral = [c for c in cps if c > 0xFFFF]
        self.bmp = _char_class_re(bmp) if bmp else re.compile("(?!)")
        self.astral = _char_class_re(astral) if astral else None

    def search(self, text: str):
        m = self.bmp.search(text)
        if m is None and self.astral is not None and _ASTRAL.search(text):
            m = self.astral.search(text)
        return m

    def sub(self, repl, text: str) -> str:
        out = self.bmp.sub(repl, text)
        if self.astral is not None and _ASTRAL.search(out):
            out = self.astral.sub(repl, out)
        return out


def _char_class(cps: list[int]) -> _CharSet:
    return _CharSet(cps)


def _char_class_re(cps: list[int]) -> re.Pattern[str]:
    parts_: list[str] = []
    start = prev = cps[0]
    for cp in cps[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts_.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = cp
    return re.compile("[" + "".join(parts_) + "]")


def normalize(text: str) -> Normalized:
    if unicodedata.is_normalized("NFKC", text):  # the common case: nothing to convert
        out = _DASH_BETWEEN_DIGITS.sub("-", text) if _has_dash(text) else text
        return Normalized(original=text, text=out)
    if _length_changing_re().search(text) is None:
        # Every character maps to exactly one character (full-width digits, ：（） ...):
        # replace only those characters, offsets stay the same.
        assert _one_to_one_re is not None
        out = _one_to_one_re.sub(_one_to_one_sub, text)
        if _has_dash(out):
            out = _DASH_BETWEEN_DIGITS.sub("-", out)
        return Normalized(original=text, text=out)
    fast = text.translate(_FAST_TABLE)
    if unicodedata.is_normalized("NFKC", fast):
        out = _DASH_BETWEEN_DIGITS.sub("-", fast) if _has_dash(fast) else fast
        return Normalized(original=text, text=out)
    return _slow_normalize(text, fast)


def _has_dash(s: str) -> bool:
    return any(d in s for d in DASHES)


def _slow_normalize(original: str, fast: str) -> Normalized:
    pieces: list[str] = []
    segments: list[tuple[int, int, int, int]] = []
    npos = 0  # position in the normalised output
    opos = 0  # position in the original text
    run_n = run_o = 0  # start of the current linear run
    n = len(fast)
    while opos < n:
        # Chunk boundaries never split a base character from its combining marks.
        end = min(opos + _CHUNK, n)
        while end < n and _is_joiner(fast[end]):
            end += 1
        chunk = fast[opos:end]
        if unicodedata.is_normalized("NFKC", chunk):
            pieces.append(chunk)
            npos += len(chunk)
            opos = end
            continue
        i = 0
        m = len(chunk)
        while i < m:
            j = i + 1
            while j < m and _is_joiner(chunk[j]):
                j += 1
            cluster = chunk[i:j]
            normed = unicodedata.normalize("NFKC", cluster)
            if len(normed) != len(cluster):
                # Close the running linear segment, add a unit segment.
                if npos > run_n:
                    segments.append((run_n, run_o, npos - run_n, npos - run_n))
                segments.append((npos, opos + i, len(normed), len(cluster)))
                npos += len(normed)
                run_n, run_o = npos, opos + j
            else:
                npos += len(normed)
            pieces.append(normed)
            i = j
        opos = end
    if npos > run_n or not segments:
        segments.append((run_n, run_o, npos - run_n, npos - run_n))
    out = "".join(pieces)
    if _has_dash(out):
        out = _DASH_BETWEEN_DIGITS.sub("-", out)  # 1:1, map unchanged
    if len(segments) == 1 and segments[0][0] == 0 and segments[0][1] == 0 and len(out) == len(original):
        segments = []
    norm = Normalized(original=original, text=out, _segments=segments)
    norm._starts = [s[0] for s in segments]
    return norm


_lower_local = threading.local()


def lower_of(text: str) -> str:
    """``text.lower()``, computed once per text: every detector that matches a vocabulary case-insensitively
    runs a case-sensitive pattern on the lower-cased copy (much faster than re.IGNORECASE)."""
    cached = getattr(_lower_local, "pair", None)
    if cached is not None and cached[0] is text:
        return cached[1]
    low = text.lower()
    _lower_local.pair = (text, low)
    return low

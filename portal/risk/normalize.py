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
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field

# Full-width ASCII (U+FF01..U+FF5E) -> ASCII, ideographic space -> space: both 1:1.
_FAST_TABLE = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FAST_TABLE[0x3000] = 0x20

# Dash family that people type between digits (phone numbers, card numbers, postal codes).
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff0d\ufe63\u2043\u02d7\uff70\u2500\u2501"
_DASH_BETWEEN_DIGITS = re.compile(rf"(?<=[0-9])[{DASHES}](?=[0-9])")

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


def normalize(text: str) -> Normalized:
    if unicodedata.is_normalized("NFKC", text):  # the common case: nothing to convert
        out = _DASH_BETWEEN_DIGITS.sub("-", text) if _has_dash(text) else text
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

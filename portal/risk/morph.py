"""SudachiPy access: the dictionary is loaded once, lazily, under a lock.

A Sudachi ``Tokenizer`` object is not documented as safe to share between threads, so each
thread gets its own tokenizer created from the one shared ``Dictionary`` (creating a tokenizer
from a loaded dictionary is cheap). Streamlit runs every session in its own thread.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from portal.sudachi import dictionary

_local = threading.local()


@dataclass(frozen=True, slots=True)
class Token:
    surface: str
    begin: int  # offset in the analysed string
    end: int
    pos: tuple[str, ...]
    oov: bool

    @property
    def is_person(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "人名"

    @property
    def is_surname(self) -> bool:
        return self.is_person and self.pos[3] == "姓"

    @property
    def is_place(self) -> bool:
        return self.pos[1] == "固有名詞" and self.pos[2] == "地名"

    @property
    def is_proper(self) -> bool:
        return self.pos[1] == "固有名詞"

    @property
    def is_common_noun(self) -> bool:
        return self.pos[0] == "名詞" and self.pos[1] == "普通名詞"

    @property
    def is_suffix(self) -> bool:
        return self.pos[0] == "接尾辞"

    @property
    def is_space(self) -> bool:
        return self.pos[0] == "空白"


def _tokenizer():
    tok = getattr(_local, "tokenizer", None)
    if tok is None:
        from sudachipy import SplitMode

        tok = dictionary().tokenizer(mode=SplitMode.C)
        _local.tokenizer = tok
    return tok


def tokenize(text: str) -> list[Token]:
    """Morphemes of ``text`` (offsets are into ``text``). Call on short candidate regions."""
    if not text:
        return []
    return [
        Token(m.surface(), m.begin(), m.end(), tuple(m.part_of_speech()), m.is_oov())
        for m in _tokenizer().tokenize(text)
    ]


def warm_up() -> None:
    """Load the dictionary, the name lists and the normalisation tables now (e.g. at app start)
    instead of during the first scan."""
    from portal.risk.latin_names import _english_table, _lists
    from portal.risk.name_context import _figure_words, _public_figures
    from portal.risk.normalize import _length_changing_re

    tokenize("田中さん")
    _length_changing_re()
    _lists()  # the Latin name lists (about 37,000 entries)
    _english_table()  # ordinary English words (210,000 digests, 1.7 MB)
    _public_figures()
    _figure_words()

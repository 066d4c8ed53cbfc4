"""The one SudachiPy dictionary of the process (sudachidict_small, shipped in its wheel).

The risk checklist (names) and the LLM package (practice model, retrieval) both tokenize
Japanese; they share this dictionary and create their own per-thread tokenizers from it.
"""

from __future__ import annotations

import threading

_lock = threading.Lock()
_dictionary = None


def dictionary():
    """Loaded once, lazily, under a lock."""
    global _dictionary
    if _dictionary is None:
        with _lock:
            if _dictionary is None:
                from sudachipy import Dictionary

                _dictionary = Dictionary(dict="small")
    return _dictionary

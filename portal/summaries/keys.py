"""How the summary tables key and bin what they count (shared by the writers, the rebuild and
the statistics that read the tables, so all three agree)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

SCORE_BINS = 10  # score distribution: 0-9 %, 10-19 %, ..., 90-100 %


def score_bin(score: float) -> int:
    """The score distribution's bin (the SQL version is ``portal.stats.queries.score_bin``,
    with the very same comparisons)."""
    s = score + 1e-9
    for i in range(SCORE_BINS - 1):
        if s < (i + 1) / SCORE_BINS:
            return i
    return SCORE_BINS - 1


def response_key(response: Any) -> str:
    """A quiz response as the JSON text it is stored as ('null' for no response). The option
    distribution's key is what the database reads back for it (``portal.stats.queries.
    response_text``); the writers convert this text the same way in SQL (``writers._COMPUTED``)."""
    return json.dumps(response)


def categories_text(categories: Mapping[str, int] | None) -> str:
    """Risk categories as the JSON text stored in the event (the key of the risk breakdown)."""
    return json.dumps(dict(categories or {}))


def rating_key(rating: int | None) -> str:
    return "" if rating is None else str(rating)

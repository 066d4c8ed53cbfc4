"""Export formats shared by every admin table."""

from __future__ import annotations

import pandas as pd


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV that Japanese Excel opens correctly: UTF-8 with a byte-order mark."""
    return frame.to_csv(index=False).encode("utf-8-sig")

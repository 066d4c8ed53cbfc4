"""Export formats shared by every admin table: CSV for Japanese Excel, and the presentation of
statistics tables (Japanese headers, percentages, Japan time) used on screen and in files."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from portal.i18n import t
from portal.localtime import JST
from portal.stats.filters import CourseShape
from portal.stats.people import BEST_PREFIX, STATUS_PREFIX

# Excel runs a cell starting with one of these as a formula; Japanese Excel also takes the
# full-width forms (＝ ＋ － ＠) that an IME produces, so those are neutralised too.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")

# columns holding a share 0..1, shown as a percentage with one decimal
PERCENT_COLUMNS = {
    "completion_rate", "progress_rate", "progress", "average_score", "mean_score", "first_mean_score",
    "first_pass_rate", "pass_rate", "facility", "share_correct", "share", "peak_request_share", "peak_token_share",
    "best_score", "score",
}
ROUNDED_COLUMNS = {"discrimination": 2, "attempts_per_learner": 2, "mean_attempts_to_pass": 2, "latency_ms": 0,
                   "minutes": 1}


def _neutralize(value: object) -> object:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_bytes(frame: pd.DataFrame, *, neutralize_formulas: bool = True) -> bytes:
    """CSV that Japanese Excel opens correctly: UTF-8 with a byte-order mark.

    Text cells that Excel would run as a formula (starting with = + - @, their full-width forms
    ＝ ＋ － ＠, a tab or a carriage return) get a leading
    apostrophe, so a crafted name or department in an export cannot run anything
    ("CSV injection"); numbers are untouched."""
    if neutralize_formulas and len(frame):
        frame = frame.copy()
        for col in frame.columns:
            if frame[col].dtype == object or pd.api.types.is_string_dtype(frame[col]):
                frame[col] = frame[col].map(_neutralize)
    return frame.to_csv(index=False).encode("utf-8-sig")


# ---------------------------------------------------------------- presentation


def to_local(value: object) -> object:
    """A UTC timestamp as Japan time, to the minute (text, so Excel shows it as is)."""
    if value is None or value is pd.NaT or (not isinstance(value, (datetime, pd.Timestamp)) and pd.isna(value)):
        return None  # pd.NaT is a datetime subclass whose strftime raises (e.g. a learner never signed in)
    if isinstance(value, pd.Timestamp) and pd.isna(value):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%d %H:%M")
        return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")
    return value


def column_label(name: str, shape: CourseShape | None = None) -> str:

    for prefix, key in ((STATUS_PREFIX, "stats.col.lesson_status"), (BEST_PREFIX, "stats.col.lesson_best")):
        if name.startswith(prefix):
            lesson_id = name[len(prefix):]
            ref = shape.lesson(lesson_id) if shape else None
            return t(key, lesson=f"{ref.order:02d}" if ref else lesson_id)
    label = t(f"stats.col.{name}")
    return name if label == f"stats.col.{name}" else label


def _value_labels(name: str) -> str | None:
    """Catalog prefix for columns holding codes."""

    if name.startswith(STATUS_PREFIX) or name == "status":
        return "status"
    return {
        "due_status": "stats.due.status",
        "action": "stats.sandbox.action",
        "category": "risk.category",
        "kind": "stats.timeline",
        "attempts_kind": "stats.quiz.kind",
        "type": "stats.quiz.type",
        "outcome": "stats.sandbox.outcome",
        "mode": "stats.sandbox.mode",
        "language": "lang",
    }.get(name)


def _label_code(prefix: str, code: object) -> object:
    if code is None or (isinstance(code, float) and pd.isna(code)):
        return code
    label = t(f"{prefix}.{code}")
    return code if label == f"{prefix}.{code}" else label


def present(frame: pd.DataFrame, shape: CourseShape | None = None, *, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A statistics table as people read it: Japanese headers, codes as words, shares as
    percentages (one decimal), times in Japan time. Used on screen and in every CSV."""
    out = frame.drop(columns=[c for c in drop if c in frame.columns]).copy()
    for col in list(out.columns):
        series = out[col]

        if col in PERCENT_COLUMNS or col.startswith(BEST_PREFIX):
            out[col] = (pd.to_numeric(series, errors="coerce") * 100).round(1)
        elif col in ROUNDED_COLUMNS:
            out[col] = pd.to_numeric(series, errors="coerce").round(ROUNDED_COLUMNS[col])
        elif col == "flags":
            out[col] = series.map(lambda codes: t("common.list_separator").join(t(f"stats.flag.{c}") for c in (codes or [])))
        elif series.dtype == bool:
            out[col] = series.map(lambda v: t("stats.passed.yes") if v else t("stats.passed.no")) if col == "passed" \
                else series.map(lambda v: "○" if v else "")
        elif col == "correct":
            out[col] = series.map(lambda v: "" if v is None or pd.isna(v) else ("○" if v else ""))
        elif (prefix := _value_labels(col)) is not None:
            out[col] = series.map(lambda c, p=prefix: _label_code(p, c))
        elif pd.api.types.is_datetime64_any_dtype(series) or (
            series.dtype == object and any(isinstance(v, datetime) for v in series.head(20))
        ):
            if pd.api.types.is_datetime64_any_dtype(series) and getattr(series.dt, "tz", None) is None:
                out[col] = series.dt.strftime("%Y-%m-%d").where(series.notna(), None)
            else:
                out[col] = series.map(to_local)
        elif series.dtype == object and any(isinstance(v, date) for v in series.head(20)):
            out[col] = series.map(lambda v: v.isoformat() if isinstance(v, date) else v)
        if col == "department":
            out[col] = out[col].map(lambda d: d if d else t("stats.department.none"))
    out.columns = [column_label(c, shape) for c in out.columns]
    return out

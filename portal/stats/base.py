"""Plumbing shared by the statistics services: run a statement into a DataFrame."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
from sqlalchemy import Select
from sqlalchemy.orm import Session

from portal.stats.filters import StatsFilter


def dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def frame(session: Session, statement: Select) -> pd.DataFrame:
    """Execute and load into a DataFrame; PostgreSQL's NUMERIC sums become floats."""
    result = session.execute(statement)
    columns = list(result.keys())
    rows = [tuple(row) for row in result.all()]  # plain tuples: pandas probes Row objects slowly
    df = pd.DataFrame.from_records(rows, columns=columns)
    for col in df.columns:
        if df[col].dtype == object and any(isinstance(v, Decimal) for v in df[col].head(20)):
            df[col] = pd.to_numeric(df[col].map(lambda v: None if v is None else float(v)))
    return df


def bucket_unit(flt: StatsFilter) -> str:
    """Daily points for ranges up to about three months, weekly points beyond (or unbounded)."""
    if flt.start and flt.end and (flt.end - flt.start).days <= 92:
        return "day"
    return "week"


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


def as_timestamp(series: pd.Series) -> pd.Series:
    """Dates from SQL (ISO text on SQLite, date objects on PostgreSQL) as pandas timestamps."""
    return pd.to_datetime(series.astype(str), format="%Y-%m-%d", errors="coerce")

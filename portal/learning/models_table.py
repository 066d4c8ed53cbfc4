"""The dated table of notable LLMs (content/ja/models.yaml), shown by the ``model-table`` widget.

One file, used by every lesson that shows models (04 and 07): when a model is superseded, the
table is updated once, with its ``as_of`` month and sources. Parameter counts are marked as
published (公表), estimated by third parties (推定) or not disclosed (非公表)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from portal.i18n import t
from portal.learning.content import YEAR_MONTH
from portal.learning.problems import Problem, problems_from_validation

FILE_NAME = "models.yaml"


class ModelRow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    developer: str = Field(min_length=1)
    released: str = Field(pattern=YEAR_MONTH)
    access: Literal["cloud", "open-weights"]
    parameters: str = Field(min_length=1)  # as written in the lesson, e.g. 4050億(405B)
    disclosure: Literal["公表", "推定", "非公表"]


class ModelTable(BaseModel):
    model_config = ConfigDict(extra="forbid")
    as_of: str = Field(pattern=YEAR_MONTH)
    note: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    models: list[ModelRow] = Field(min_length=1)


@dataclass(frozen=True)
class Loaded:
    table: ModelTable | None
    problems: tuple[Problem, ...]


def load_model_table(content_dir: Path) -> Loaded:
    path = content_dir / FILE_NAME
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return Loaded(None, (Problem(FILE_NAME, f"cannot read the file: {str(exc).replace(chr(10), ' ')}"),))
    try:
        return Loaded(ModelTable.model_validate(raw), ())
    except ValidationError as exc:
        return Loaded(None, tuple(problems_from_validation(FILE_NAME, exc)))


DISCLOSURE_KEYS = {"公表": "published", "推定": "estimated", "非公表": "undisclosed"}  # catalog: lesson.models.disclosure.*


def year_month_ja(value: str) -> str:
    year, month = value.split("-")
    return f"{int(year)}年{int(month)}月"


def year_month(value: str) -> str:
    """``2025-09`` in the UI language: 2025年9月 / September 2025."""
    year, month = value.split("-")
    return t("date.year_month", year=int(year), month=t(f"date.month.{int(month)}"))

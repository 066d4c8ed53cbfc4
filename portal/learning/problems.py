"""A problem found in a content file, reported with file, item and field."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    file: str
    message: str
    field: str = ""
    item: str = ""  # e.g. a question id
    severity: str = "error"  # "error": the file is not served; "warning": served, but worth fixing

    def __str__(self) -> str:
        where = self.file
        if self.item:
            where += f" [{self.item}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


def problems_from_validation(file: str, exc: ValidationError, *, item_of=None) -> list[Problem]:
    """One Problem per pydantic error, with a readable dotted field path."""
    out: list[Problem] = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        item = item_of(err["loc"]) if item_of else ""
        out.append(Problem(file=file, field=".".join(loc), item=item, message=err["msg"]))
    return out

"""``portal scan``: the risk checklist on the command line.

The lead's ``portal/cli.py`` registers the sub-command with :func:`add_arguments` and calls
:func:`run` with the real streams. Exit status: 0 whether or not anything was found, 2 for
unreadable input (invalid UTF-8, a bad JSON line, a line without "text"). Error messages are
Japanese, name the line number for JSON Lines, and never quote the input (it may hold the
very data we are protecting).
"""

from __future__ import annotations

import argparse
import json
from typing import IO, Iterator

from portal.i18n import t
from portal.risk.masking import mask
from portal.risk.policy import MaskOperator, RiskPolicy, masked_by_default
from portal.risk.scanner import scan

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class InputError(Exception):
    """Unreadable input; the message is user-facing and holds no input text."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = t("risk.cli.help")
    parser.add_argument("--jsonl", action="store_true", help=t("risk.cli.help_jsonl"))
    parser.add_argument("--mask", action="store_true", help=t("risk.cli.help_mask"))
    parser.add_argument(
        "--operator",
        choices=[op.value for op in MaskOperator],
        default=MaskOperator.LABEL.value,
        help=t("risk.cli.help_operator"),
    )
    parser.add_argument("--all", action="store_true", dest="mask_all", help=t("risk.cli.help_all"))
    parser.add_argument("--terms", metavar="FILE", default=None, help=t("risk.cli.help_terms"))


def _read_all(stdin: IO) -> str:
    buf = getattr(stdin, "buffer", None)
    try:
        if buf is not None:
            return buf.read().decode("utf-8")
        data = stdin.read()
        return data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        raise InputError(t("risk.cli.invalid_utf8")) from None


def _lines(stdin: IO) -> Iterator[tuple[int, str]]:
    """(line number, text) one at a time, so --jsonl streams."""
    buf = getattr(stdin, "buffer", None)
    source = buf if buf is not None else stdin
    for number, raw in enumerate(source, start=1):
        if isinstance(raw, bytes):
            try:
                raw = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise InputError(t("risk.cli.invalid_utf8_line", line=number)) from None
        yield number, raw


def _policy(args: argparse.Namespace) -> RiskPolicy:
    terms: list[str] = []
    if getattr(args, "terms", None):
        try:
            with open(args.terms, encoding="utf-8") as fh:
                terms = [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
        except (OSError, UnicodeDecodeError):
            raise InputError(t("risk.cli.terms_unreadable")) from None
    return RiskPolicy(organization_terms=terms)


def _process(text: str, args: argparse.Namespace, policy: RiskPolicy) -> tuple[list[dict] | None, str | None]:
    findings = scan(text, policy)
    if getattr(args, "mask", False):
        chosen = findings if getattr(args, "mask_all", False) else masked_by_default(findings, policy)
        return None, mask(text, chosen, getattr(args, "operator", MaskOperator.LABEL.value))
    return [f.to_dict() for f in findings], None


def run(args: argparse.Namespace, stdin: IO, stdout: IO, stderr: IO) -> int:
    try:
        policy = _policy(args)
        if not getattr(args, "jsonl", False):
            text = _read_all(stdin)
            found, masked = _process(text, args, policy)
            if masked is not None:
                stdout.write(masked)
            else:
                stdout.write(json.dumps({"findings": found}, ensure_ascii=False) + "\n")
            stdout.flush()
            return EXIT_OK
        for number, line in _lines(stdin):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise InputError(t("risk.cli.bad_json_line", line=number)) from None
            if not isinstance(record, dict):
                raise InputError(t("risk.cli.not_object_line", line=number))
            text = record.get("text")
            if not isinstance(text, str):
                raise InputError(t("risk.cli.missing_text_line", line=number))
            found, masked = _process(text, args, policy)
            out = {"id": record.get("id")}
            if masked is not None:
                out["text"] = masked
            else:
                out["findings"] = found
            stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
            stdout.flush()
        return EXIT_OK
    except InputError as exc:
        stderr.write(f"portal scan: {exc}\n")
        stderr.flush()
        return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    """Stand-alone entry point (``python -m portal.risk.cli``) until ``portal scan`` is wired."""
    import sys

    parser = argparse.ArgumentParser(prog="portal scan")
    add_arguments(parser)
    args = parser.parse_args(argv)
    return run(args, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())

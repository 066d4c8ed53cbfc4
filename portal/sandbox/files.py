"""Text files attached to a prompt (chat input): decoded and appended to the prompt, so the
risk checklist, the length limit and masking apply to their content like to typed text."""

from __future__ import annotations

from collections.abc import Iterable

from portal.i18n import t
from portal.sandbox.types import SandboxRefused

MAX_FILE_BYTES = 200_000
FILE_TYPES: tuple[str, ...] = ("txt", "md", "csv")


def decode_text_file(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM) or Shift_JIS (Excel, older Windows tools); anything else,
    binary files and files over :data:`MAX_FILE_BYTES` are refused with a Japanese message."""
    if len(data) > MAX_FILE_BYTES:
        raise SandboxRefused(t("sandbox.upload.too_large", name=name, kb=MAX_FILE_BYTES // 1000))
    if b"\x00" in data:
        raise SandboxRefused(t("sandbox.upload.binary", name=name))
    for encoding in ("utf-8-sig", "cp932"):
        try:
            return data.decode(encoding).replace("\r\n", "\n")
        except UnicodeDecodeError:
            continue
    raise SandboxRefused(t("sandbox.upload.undecodable", name=name))


def compose_prompt(text: str, files: Iterable[tuple[str, bytes]] = ()) -> str:
    """The typed text followed by each attached file under a header with its name."""
    parts = [text.strip()] if text and text.strip() else []
    for name, data in files:
        content = decode_text_file(name, data).strip()
        parts.append(f"{t('sandbox.upload.header', name=name)}\n{content}")
    return "\n\n".join(parts)

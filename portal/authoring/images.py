"""Images for lessons: uploaded by an admin, stored in the database, shown with st.image.

The type is decided by the bytes (PNG, JPEG, GIF, WebP signatures), never by the file name or
the browser's word; SVG is refused (it can carry script). Markdown names an image as
``![alt text](image:<name>)`` on a line of its own; no HTML is ever written for it.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime

from PIL import Image
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.accounts.roles import CurrentUser, require_admin, require_user
from portal.authoring.service import AuthoringError
from portal.db.models import LessonImage, utcnow
from portal.learning.problems import Problem

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_PIXELS = 25_000_000
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_EXT = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif", "image/webp": ".webp"}


def sniff(data: bytes) -> str | None:
    """The image type from the file's first bytes, or None when it is not one we serve."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image_name(filename: str, mime: str) -> str:
    """A safe name from the uploaded file's name: ASCII letters, digits, '.', '-', '_'; the
    extension follows the real type."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", filename.rsplit("/", 1)[-1].rsplit(".", 1)[0]).strip("-._") or "image"
    return stem[:80] + _EXT[mime]


@dataclass(frozen=True)
class ImageInfo:
    name: str
    mime: str
    size: int
    uploaded_at: datetime


def check_image(filename: str, data: bytes) -> str:
    """The image's type, or AuthoringError naming the file and what is wrong. The signature says
    the type; the image is then decoded (a broken one would fail on every lesson page), and its
    size in pixels is limited (no decompression bomb)."""
    if len(data) > MAX_IMAGE_BYTES:
        raise AuthoringError([Problem(filename, f"the image is {len(data):,} bytes; at most {MAX_IMAGE_BYTES:,} "
                                      "are allowed", "size")])
    mime = sniff(data)
    if mime is None:
        raise AuthoringError([Problem(filename, "not a PNG, JPEG, GIF or WebP image (checked from its content)",
                                      "type")])
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise AuthoringError([Problem(filename, f"the image is {width}×{height} pixels; at most "
                                              f"{MAX_PIXELS:,} pixels are allowed", "size")])
            image.load()
    except AuthoringError:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as exc:
        raise AuthoringError([Problem(filename, f"the image cannot be read: {exc}", "type")]) from None
    return mime


def upload_image(session: Session, actor: CurrentUser, filename: str, data: bytes, *,
                 name: str | None = None) -> ImageInfo:
    """Store an image under a safe name (an image of that name is replaced)."""
    require_admin(actor)
    mime = check_image(filename, data)
    name = name or image_name(filename, mime)
    if not _NAME_RE.match(name):
        raise AuthoringError([Problem(filename, "image names use letters, digits, '.', '-' and '_'", "name")])
    row = session.scalar(select(LessonImage).where(LessonImage.name == name).with_for_update())
    if row is None:
        row = LessonImage(name=name)
        session.add(row)
    row.mime, row.size, row.data = mime, len(data), data
    row.sha256 = hashlib.sha256(data).hexdigest()
    row.uploaded_at, row.uploaded_by = utcnow(), actor.id or None
    session.flush()
    return ImageInfo(row.name, row.mime, row.size, row.uploaded_at)


def list_images(session: Session, actor: CurrentUser) -> list[ImageInfo]:
    require_admin(actor)
    rows = session.execute(select(LessonImage.name, LessonImage.mime, LessonImage.size, LessonImage.uploaded_at)
                           .order_by(LessonImage.name)).all()
    return [ImageInfo(*r) for r in rows]


def delete_image(session: Session, actor: CurrentUser, name: str) -> None:
    require_admin(actor)
    row = session.scalar(select(LessonImage).where(LessonImage.name == name))
    if row is not None:
        session.delete(row)


def all_image_data(session: Session, actor: CurrentUser) -> dict[str, bytes]:
    """Every image's bytes by name (for the ZIP export)."""
    require_admin(actor)
    return dict(session.execute(select(LessonImage.name, LessonImage.data)).all())


def image_for_lesson(session: Session, actor: CurrentUser, name: str) -> bytes | None:
    """An image's bytes for a lesson page (any signed-in user reads lessons)."""
    require_user(actor)
    return session.scalar(select(LessonImage.data).where(LessonImage.name == name))

"""Who is acting, and the role checks every service performs itself."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from portal.db.models import ROLE_ADMIN, User
from portal.i18n import t


class PermissionDenied(PermissionError):
    """The acting user may not do this (checked in the service layer, whatever page called it)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or t("auth.permission_denied"))


@dataclass(frozen=True)
class CurrentUser:
    id: int
    name: str
    email: str
    department: str
    role: str
    employee_id: str | None = None
    must_change_password: bool = False
    language: str | None = None  # None: not chosen yet (follow the browser)

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @classmethod
    def from_model(cls, user: User) -> CurrentUser:
        return cls(
            id=user.id,
            name=user.name,
            email=user.email,
            department=user.department,
            role=user.role,
            employee_id=user.employee_id,
            must_change_password=user.must_change_password,
            language=user.language,
        )


# The server itself (CLI commands run by an operator on the host).
SYSTEM = CurrentUser(id=0, name="system", email="", department="", role=ROLE_ADMIN)


def require_admin(actor: CurrentUser | None) -> CurrentUser:
    if actor is None or not actor.is_admin:
        raise PermissionDenied()
    return actor


def require_user(actor: CurrentUser | None) -> CurrentUser:
    if actor is None:
        raise PermissionDenied(t("auth.sign_in_required"))
    return actor


_ACTIVE = select(User.active).where(User.id == bindparam("user_id"))  # built once: on every sandbox call


def require_active_user(session: Session, actor: CurrentUser | None) -> CurrentUser:
    """``require_user``, and the account still exists and is active in the database (a page may
    hold the user of an earlier run: an admin can deactivate or delete the account meanwhile)."""
    require_user(actor)
    if not session.connection().execute(_ACTIVE, {"user_id": actor.id}).scalar():
        raise PermissionDenied(t("auth.sign_in_required"))
    return actor

"""Password hashing with argon2id (argon2-cffi) and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from portal.i18n import t

# argon2id with OWASP's recommended parameters (Password Storage Cheat Sheet: m = 19 MiB, t = 2,
# p = 1). argon2-cffi's default (RFC 9106 "low memory": 64 MiB, t = 3, p = 4) took 221 ms of CPU
# per sign-in here against 25 ms, and sign-ins dominated a replica's CPU when many learners start
# at once (benchmarks/bench_concurrency.py: 50 sign-ins in 5 s queued for 10 s). Hashes made with
# other parameters still verify, and are re-hashed with these at the next sign-in.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

# A hash of a random password, verified against when the login name is unknown, so that
# unknown and known users take the same time (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-real-password-5f1c2d")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        _burn(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _burn(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except VerificationError:
        pass


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problems(password: str, min_length: int, *, name: str = "", email: str = "") -> list[str]:
    """Japanese descriptions of what is wrong with a new password (empty list = acceptable)."""
    problems: list[str] = []
    if len(password) < min_length:
        problems.append(t("auth.password.too_short", n=min_length))
    if password.strip() != password or not password.strip():
        problems.append(t("auth.password.whitespace"))
    lowered = password.lower()
    local = email.split("@")[0].lower() if email else ""
    if (local and len(local) >= 3 and local in lowered) or (name and name.lower() in lowered):
        problems.append(t("auth.password.personal"))
    if len(set(password)) < 4:
        problems.append(t("auth.password.simple"))
    return problems

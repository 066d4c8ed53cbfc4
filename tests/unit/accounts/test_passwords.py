from portal.accounts.passwords import hash_password, password_problems, verify_password


def test_hash_is_argon2id_and_salted():
    first, second = hash_password("Correct-horse-9"), hash_password("Correct-horse-9")
    assert first.startswith("$argon2id$")
    assert first != second  # random salt
    assert "Correct-horse-9" not in first


def test_verify_accepts_right_and_rejects_wrong_password():
    stored = hash_password("Correct-horse-9")
    assert verify_password(stored, "Correct-horse-9")
    assert not verify_password(stored, "correct-horse-9")
    assert not verify_password(stored, "")


def test_verify_without_hash_or_with_garbage_is_false():
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")


def test_password_rules_name_the_problem():
    assert password_problems("Long-enough-1", 10) == []
    assert any("10" in p for p in password_problems("short", 10))
    assert password_problems("yamada-password", 10, email="yamada@example.com")
    assert password_problems("aaaaaaaaaaaa", 10)

"""Validation rules: check digits, card brands, calendar and era dates, IPs, phone numbering."""

import datetime as dt

import pytest

from portal.risk import validators as v


def test_my_number_check_digit_matches_the_published_example():
    assert v.is_valid_my_number("123456789018")
    assert not v.is_valid_my_number("123456789012")
    assert not v.is_valid_my_number("12345678901")  # 11 digits


def test_corporate_number_check_digit():
    assert v.is_valid_corporate_number("7000012050002")  # 国税庁
    assert not v.is_valid_corporate_number("8000012050002")


@pytest.mark.parametrize(
    "number,brand",
    [
        ("4111111111111111", "Visa"),
        ("5555555555554444", "Mastercard"),
        ("2223003122003222", "Mastercard"),  # 2-series
        ("3530111333300000", "JCB"),
        ("378282246310005", "American Express"),
        ("36227206271667", "Diners Club"),
    ],
)
def test_card_brands_and_luhn(number, brand):
    assert v.card_brand(number) == brand
    assert v.is_valid_card(number)


def test_luhn_failure_and_wrong_length_are_rejected():
    assert not v.is_valid_card("4111111111111112")  # Luhn fails
    assert not v.is_valid_card(v.luhn_complete("411111111111111111"[:17]) + "0")  # Visa with 18 digits
    assert v.card_brand("9111111111111111") is None


def test_era_dates_respect_era_boundaries():
    assert v.era_to_date("昭和", 64, 1, 7) == dt.date(1989, 1, 7)
    assert v.era_to_date("昭和", 64, 1, 8) is None  # already 平成
    assert v.era_to_date("平成", 1, 1, 8) == dt.date(1989, 1, 8)
    assert v.era_to_date("令和", 1, 4, 30) is None  # still 平成
    assert v.era_to_date("H", 2, 12, 24) == dt.date(1990, 12, 24)
    assert v.era_to_date("平成", 3, 2, 30) is None


def test_ip_kinds():
    assert v.ip_kind("203.0.113.300") is None
    assert v.ip_kind("192.168.1.10") == "private"
    assert v.ip_kind("127.0.0.1") == "local"
    assert v.ip_kind("133.242.0.3") == "public"
    assert v.ip_kind("2001:db8::1") in ("private", "public")


def test_japanese_phone_numbering():
    assert v.jp_phone_kind("090-3344-5566") == "mobile"
    assert v.jp_phone_kind("03-6825-1100") == "fixed"
    assert v.jp_phone_kind("0120-444-222") == "toll_free"
    assert v.jp_phone_kind("+81 80 2211 3344") == "mobile"
    assert v.jp_phone_kind("090-123-456") is None

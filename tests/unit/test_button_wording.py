"""Button labels follow one wording rule (docs/style-ja.md, "ボタンの表記"): an object with a
Sino-Japanese verb takes the noun form (「期限を保存」, not 「期限を保存する」), a verb without an
object ends in する (「削除する」, not 「削除」). The labels are found the way a reader finds them:
every ``t("...")`` given as the label of a button, form button, download button or page link
under ``portal/ui``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from portal.i18n import t

UI = Path(__file__).resolve().parents[2] / "portal" / "ui"
BUTTONS = {"button", "form_submit_button", "download_button", "page_link", "link_button", "link"}
# a bare Sino-Japanese verb noun as a whole label reads as a heading, not as an action
SELF_STANDING = re.compile(r"[\u4e00-\u9fff]{2}(に)?する")
BARE_NOUNS = {"保存", "削除", "送信", "確認", "変更", "作成", "編集", "登録", "更新", "発行", "採点"}


def button_label_keys() -> dict[str, str]:
    """{catalog key: where} of every literal label key."""
    keys: dict[str, str] = {}
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in BUTTONS):
                continue
            for arg in [*node.args, *(k.value for k in node.keywords if k.arg == "label")]:
                for call in ast.walk(arg):
                    if (isinstance(call, ast.Call) and getattr(call.func, "id", "") == "t" and call.args
                            and isinstance(call.args[0], ast.Constant)):
                        keys.setdefault(call.args[0].value, f"{path.relative_to(UI)}:{node.lineno}")
    return keys


KEYS = button_label_keys()


def test_the_scan_finds_the_buttons():
    assert len(KEYS) >= 50
    assert {"quiz.submit", "sandbox.review.mask", "stats.due.settings.save", "common.download_csv"} <= set(KEYS)


@pytest.mark.parametrize("key", sorted(KEYS))
def test_button_label_follows_the_wording_rule(key):
    label = t(key, "ja")
    assert label != key, f"{key} ({KEYS[key]}) is not in the catalog"
    if label.endswith("する"):  # only a verb on its own: 保存する, 削除する, 有効にする
        assert SELF_STANDING.fullmatch(label), f"{label!r} ({KEYS[key]}): with an object or modifier, no する"
    assert label not in BARE_NOUNS, f"{label!r} ({KEYS[key]}): a verb without an object ends in する"
    assert not label.endswith("ボタン"), f"{label!r} ({KEYS[key]})"

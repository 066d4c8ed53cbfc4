"""A model's answer is untrusted Markdown: answer_markdown keeps its formatting but nothing in it
fetches an image, runs a script link or renders HTML (the browser journey
tests/e2e/test_llm_faults.py checks the rendered page and its requests)."""

from __future__ import annotations

from portal.sandbox import answer_markdown

HOST = "127.0.0.77"


def _plain(md: str) -> str:
    return md.replace("\\", "").replace("\u2060", "")


def test_images_become_text_naming_them_inline_and_by_reference():
    shown = answer_markdown(f"図です ![追跡用]( http://{HOST}/t.png \"t\") と ![参照][r]\n\n[r]: http://{HOST}/r.png")
    assert "![" not in shown and "](" not in shown.replace("\\]", "").replace("\\(", "")
    assert "〔画像「追跡用」は表示しません: " in _plain(shown)
    assert f"http://{HOST}/t.png" in _plain(shown)
    assert "[r]: " in _plain(shown) and not shown.lstrip().startswith("[r]:")  # the definition is text


def test_only_http_https_and_mailto_links_stay_links():
    shown = answer_markdown("[押して](javascript:alert(1)) [データ](data:text/html,x) [公式](https://example.com) "
                            "[連絡](mailto:a@example.com)")
    assert "[公式](https://example.com)" in shown
    assert "[連絡](mailto:a@example.com)" in shown
    assert "](javascript:" not in shown and "](data:" not in shown
    assert "押して (javascript:alert(1" in _plain(shown)


def test_raw_html_and_autolinks_show_as_text():
    shown = answer_markdown(f'<img src="http://{HOST}/x.png"> <script>alert(1)</script> <http://{HOST}/a>')
    assert "<img" not in shown.replace("\\<img", "") and "<script" not in shown.replace("\\<script", "")
    assert shown.count("\\<") == 4


def test_ordinary_markdown_and_code_are_left_alone():
    text = "**太字** と *斜体*\n\n- 項目 1 < 2\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n`![x](http://h/y.png)`\n\n```\n<b>x</b>\n```"
    assert answer_markdown(text) == text

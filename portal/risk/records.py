"""Account numbers identified by the layout of a bank-transfer record, without a label.

Runs on the normalised text (NFKC: half-width kana are full-width here).

- **Zengin transfer files** (全銀フォーマット), the fixed-width data record a payroll or accounts
  payable system writes: bank code (4 digits) and kana bank name, branch code (3) and kana
  branch name, an optional clearing-house number, the deposit type (1 普通, 2 当座, 4 貯蓄, 9
  その他) glued to the 7-digit account number, then the kana account holder. Copied into a
  prompt the padding spaces may be squeezed, so the widths are not relied on, the order is.
- **The comma-separated variant** of the same fields (an export opened in Excel):
  ``2,0001,ミズホ,112,シンバシ,1,3328104,ヤブキ レイナ,300000``.
- **A record of codes with an account and its holder**: digits only up to a 7-digit number that is
  followed by a kana full name (``2101 01 0034812 ﾔﾏｸﾞﾁ ｻﾄﾐ``): an account list exported from a
  core banking system.
- **Japan Post Bank** (ゆうちょ銀行) 記号番号: a 5-digit 記号 starting with 1 and ending with 0,
  and an 8-digit 番号 ending with 1 (``14180-38205161``). The shape is specific enough on its own.
"""

from __future__ import annotations

import re

from portal.risk.detectors import Candidate
from portal.risk.findings import Category

_KANA = "ァ-ヴー"
_KANA_NAME = rf"[{_KANA}A-Z0-9().\-/ ]"
_ZENGIN_FIXED = re.compile(
    rf"(?<![0-9])\d{{4,6}}[{_KANA}][{_KANA}A-Z().\-/ ]{{0,30}}?\s{{0,30}}\d{{3}}[{_KANA}][{_KANA}A-Z().\-/ ]{{0,30}}?\s{{0,30}}(?:\d{{4}}\s{{0,30}})?"
    rf"[1249](?P<acct>\d{{7}})(?=[{_KANA}(]|[ \t]*(?:\n|\Z))"
)
# The same fields with single spaces between codes and names (a report printed from the file): only with the holder.
_ZENGIN_SPACED = re.compile(
    rf"(?<![0-9])\d{{4,6}} [{_KANA}][{_KANA}A-Z().\-/ ]{{0,30}}?\s{{1,30}}\d{{3}} [{_KANA}][{_KANA}A-Z().\-/ ]{{0,30}}?\s{{1,30}}"
    rf"(?:\d{{4}}\s{{1,30}})?[1249] (?P<acct>\d{{7}}) (?=[{_KANA}]{{2,}} [{_KANA}])"
)
_ZENGIN_CSV = re.compile(
    rf"(?<![0-9])\d{{4}}[,\t][{_KANA}][{_KANA}A-Z().\-/ ]{{0,30}}[,\t]\d{{3}}[,\t][{_KANA}][{_KANA}A-Z().\-/ ]{{0,30}}[,\t]"
    rf"[1249][,\t](?P<acct>\d{{4,8}})[,\t](?={_KANA_NAME}{{0,30}}[{_KANA}])"
)
# A data record of codes, then a 7-digit number and the holder's name in kana: "2101 01 0034812 ﾔﾏｸﾞﾁ ｻﾄﾐ".
_CODES_ACCOUNT_HOLDER = re.compile(
    rf"^(?:[0-9]{{2,6}}[ \t,]+){{1,4}}(?P<acct>[0-9]{{7}})[ \t,]{{1,3}}(?=[{_KANA}]{{2,}} [{_KANA}])", re.MULTILINE
)
_YUCHO = re.compile(r"(?<![0-9-])(?P<acct>1\d{3}0[- ]\d{7}1)(?![0-9-])")


_BANK_CODE = re.compile(r"[0-9]{4}")
_KATAKANA = re.compile(rf"[{_KANA}]")


def record_candidates(text: str) -> list[Candidate]:
    out: list[Candidate] = []
    for m in _YUCHO.finditer(text):
        out.append(Candidate(Category.BANK_ACCOUNT, m.start("acct"), m.end("acct"), 0.85, "bank_yucho"))
    # Records are lines with a 4-digit bank code and kana: only those lines are tried (a cheap scan
    # instead of four patterns over the whole text).
    last_line = -1
    for dm in _BANK_CODE.finditer(text):
        lo = text.rfind("\n", 0, dm.start()) + 1
        if lo <= last_line:
            continue
        last_line = lo
        hi = text.find("\n", dm.end())
        hi = len(text) if hi == -1 else hi
        if not _KATAKANA.search(text, lo, hi):
            continue
        for rx in (_ZENGIN_FIXED, _ZENGIN_SPACED, _ZENGIN_CSV, _CODES_ACCOUNT_HOLDER):
            for m in rx.finditer(text, lo, hi):
                out.append(Candidate(Category.BANK_ACCOUNT, m.start("acct"), m.end("acct"), 0.85, "bank_zengin"))
    return out

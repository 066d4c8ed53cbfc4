"""A small custom lesson and its bank, as an admin would write them in the editor."""

from __future__ import annotations

LESSON = """---
id: company-rules
title: 当社の生成AI利用ルール
order: 90
reading_minutes: 5
summary: 当社で使ってよい生成AIサービスと、入力してはいけない情報。
objectives:
  - 承認済みのサービスを挙げられる
quiz_id: company-rules-quiz
---

## 使ってよいサービス {#services}

承認済みのサービスは社内ポータルの一覧にあります。

## 入力してはいけない情報 {#inputs}

顧客名とプロジェクトのコード名は入力しません。
"""

QUIZ = """id: company-rules-quiz
lesson_id: company-rules
title: 当社の生成AI利用ルールの確認
pass_mark: 0.5
questions:
  - id: customer-name
    type: true_false
    kind: scenario
    section: inputs
    prompt: 顧客名を含む議事録を、そのまま承認済みでないサービスに貼ってよい。
    answer: false
    explanation: 顧客名は入力してはいけない情報です。
  - id: where-list
    type: single
    section: services
    prompt: 承認済みのサービスの一覧はどこにありますか。
    options:
      - {id: portal, text: 社内ポータル}
      - {id: mail, text: 毎朝のメール}
    answer: portal
    explanation: 一覧は社内ポータルにあります。
"""


def make_user(url: str, email: str, role: str = "learner"):
    from portal.accounts.roles import SYSTEM
    from portal.accounts.service import create_user
    from portal.db import session_scope

    with session_scope(url) as s:
        return create_user(s, SYSTEM, name=email.split("@")[0], email=email, role=role)

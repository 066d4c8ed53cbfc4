"""Bad input gets a result or a clear message, never a traceback, and `portal scan`, the sandbox
review and the Python API report the same findings. The scanner also works with no network."""

import argparse
import io
import json
import os
import random
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from portal.risk import RiskPolicy, scan
from portal.risk.cli import add_arguments, run
from portal.sandbox.review import check_text

ROOT = Path(__file__).resolve().parents[3]
SAMPLE = ("営業部\n鈴木 一郎\nTel: +1 415 555 0134\n氏名,生年月日\n秋山 奈央,1991/04/22\n"
          "password: Zq8$wnT4vLe1\n【社外秘】")


def cli(argv, stdin):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(argv), stdin, out, err)
    return code, out.getvalue(), err.getvalue()


def as_tuples(findings):
    return [(f.category.value, f.start, f.end) for f in findings]


def test_cli_sandbox_and_api_agree():
    policy = RiskPolicy()
    api = as_tuples(scan(SAMPLE, policy))
    sandbox = as_tuples(check_text(SAMPLE, policy).findings)
    code, out, err = cli([], io.StringIO(SAMPLE))
    assert code == 0 and err == ""
    from_cli = [(f["category"], f["start"], f["end"]) for f in json.loads(out)["findings"]]
    assert api == sandbox == from_cli
    assert {c for c, _s, _e in api} >= {"PERSON_NAME", "PHONE", "DATE_OF_BIRTH", "SECRET", "CONFIDENTIAL"}


@pytest.mark.parametrize("text", [
    "",
    " \n\t\n",
    "氏名\t電話\n",                       # a header with no rows
    "| 名前 | 電話 |\n|---|\n| 田中 |",      # a broken Markdown table
    'a,"b\nc,"d,e"\n"""',                  # unbalanced CSV quotes
    "\x00\x01\x02\ufffd\ufffe" * 200,       # control characters and replacement characters
    "👩‍💻" * 500 + "田中さん",                # long emoji runs before a name
])
def test_odd_text_gives_a_result(text):
    found = scan(text)
    assert all(text[f.start : f.end] == f.text for f in found)


def test_binary_junk_and_a_megabyte_give_a_result():
    junk = bytes(random.Random(3).randrange(256) for _ in range(50_000)).decode("utf-8", "replace")
    assert isinstance(scan(junk), list)
    big = (SAMPLE + "\n" + "生成AIの出力は必ず事実確認をしましょう。" * 30 + "\n") * 1000
    found = scan(big[:1_000_000])
    assert len(found) > 1000


def test_cli_rejects_undecodable_input_with_a_clear_message():
    stdin = io.TextIOWrapper(io.BytesIO("田中".encode("shift_jis") + b"\xff\xfe"), encoding="utf-8")
    code, out, err = cli([], stdin)
    assert code == 2 and out == ""
    assert "UTF-8" in err and "Traceback" not in err


def test_cli_reports_the_line_of_a_bad_jsonl_record():
    stdin = io.StringIO('{"id": 1, "text": "田中さん"}\n{"id": 2, "text": 5}\n')
    code, out, err = cli(["--jsonl"], stdin)
    assert code == 2 and "2" in err and "Traceback" not in err
    assert json.loads(out.splitlines()[0])["id"] == 1  # the good line before it was written


def test_scanner_works_with_the_network_disabled(tmp_path):
    """No model or list is fetched at run time: with every socket refused, `portal scan` still
    finds the names, phones and tables."""
    (tmp_path / "sitecustomize.py").write_text(textwrap.dedent("""
        import socket
        def _refuse(*a, **k):
            raise OSError("network disabled by the test")
        socket.socket.connect = _refuse
        socket.create_connection = _refuse
        socket.getaddrinfo = _refuse
    """))
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    res = subprocess.run([sys.executable, "-m", "portal.risk.cli"], input=SAMPLE, capture_output=True, text=True,
                         env=env, cwd=ROOT, timeout=120)
    assert res.returncode == 0, res.stderr
    cats = {f["category"] for f in json.loads(res.stdout)["findings"]}
    assert {"PERSON_NAME", "PHONE", "DATE_OF_BIRTH"} <= cats

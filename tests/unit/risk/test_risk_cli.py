"""`portal scan` through run(): text and JSON Lines, masking, errors."""

import argparse
import io
import json
import subprocess
import sys

from portal.risk.cli import add_arguments, run


def call(argv, stdin):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(argv)
    out, err = io.StringIO(), io.StringIO()
    code = run(args, stdin, out, err)
    return code, out.getvalue(), err.getvalue()


def test_scan_prints_findings_json():
    code, out, err = call([], io.StringIO("佐藤様の電話は090-3344-5566です"))
    assert code == 0 and err == ""
    data = json.loads(out)
    assert [f["category"] for f in data["findings"]] == ["PERSON_NAME", "PHONE"]
    assert set(data["findings"][1]) == {"category", "start", "end", "text", "severity", "confidence", "reason", "method"}
    assert data["findings"][1]["method"] == "numbering_plan"  # the phone number was checked by its numbering plan
    assert "090-3344-5566" in out  # ensure_ascii=False keeps Japanese readable
    assert "電話" in out


def test_nothing_found_still_exits_zero():
    code, out, _ = call([], io.StringIO("今日は良い天気です"))
    assert code == 0 and json.loads(out) == {"findings": []}


def test_mask_prints_masked_text():
    code, out, _ = call(["--mask"], io.StringIO("佐藤様の電話は090-3344-5566です"))
    assert code == 0 and out == "〈人名〉様の電話は〈電話番号〉です"
    code, out, _ = call(["--mask", "--operator", "partial"], io.StringIO("電話 090-3344-5566"))
    assert out == "電話 090-****-5566"


def test_jsonl_streams_one_line_per_input():
    lines = '{"id": "a", "text": "佐藤様"}\n\n{"id": 2, "text": "なし"}\n'
    code, out, _ = call(["--jsonl"], io.StringIO(lines))
    assert code == 0
    rows = [json.loads(x) for x in out.splitlines()]
    assert [r["id"] for r in rows] == ["a", 2]
    assert rows[0]["findings"][0]["text"] == "佐藤"
    code, out, _ = call(["--jsonl", "--mask"], io.StringIO(lines))
    assert [json.loads(x) for x in out.splitlines()] == [{"id": "a", "text": "〈人名〉様"}, {"id": 2, "text": "なし"}]


def test_bad_json_line_names_the_line_and_exits_2():
    lines = '{"id": 1, "text": "ok"}\n{"id": 2, "text": "佐藤様 090-3344-5566"\n'
    code, out, err = call(["--jsonl"], io.StringIO(lines))
    assert code == 2
    assert "2行目" in err and "JSON" in err
    assert "090" not in err  # the input is never quoted
    assert len(out.splitlines()) == 1  # the first line was already streamed


def test_missing_text_exits_2():
    code, _, err = call(["--jsonl"], io.StringIO('{"id": 1}\n'))
    assert code == 2 and "1行目" in err and "text" in err
    code, _, err = call(["--jsonl"], io.StringIO('[1, 2]\n'))
    assert code == 2 and "1行目" in err


def test_invalid_utf8_exits_2():
    stdin = io.TextIOWrapper(io.BytesIO(b"\xff\xfe\xfa"), encoding="utf-8")
    code, _, err = call([], stdin)
    assert code == 2 and "UTF-8" in err
    stdin = io.TextIOWrapper(io.BytesIO('{"id":1,"text":"a"}\n'.encode() + b'{"id":2,"text":"\xff"}\n'), encoding="utf-8")
    code, out, err = call(["--jsonl"], stdin)
    assert code == 2 and "2行目" in err and len(out.splitlines()) == 1


def test_terms_file(tmp_path):
    terms = tmp_path / "terms.txt"
    terms.write_text("# customers\nミライテック\n", encoding="utf-8")
    code, out, _ = call(["--terms", str(terms)], io.StringIO("ミライテックとの商談"))
    assert [f["category"] for f in json.loads(out)["findings"]] == ["CONFIDENTIAL"]


def test_runs_as_a_real_process_with_byte_streams():
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from portal.risk.cli import main; sys.exit(main(sys.argv[1:]))", "--mask"],
        input="佐藤様 090-3344-5566".encode(), capture_output=True, timeout=60,
    )
    assert proc.returncode == 0
    assert proc.stdout.decode() == "〈人名〉様 〈電話番号〉"
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from portal.risk.cli import main; sys.exit(main(sys.argv[1:]))"],
        input=b"\xff\xfe", capture_output=True, timeout=60,
    )
    assert proc.returncode == 2 and "UTF-8" in proc.stderr.decode()

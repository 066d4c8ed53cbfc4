"""The `portal` command: run, init-db, create-admin, import-users, issue-setup-codes, prune-sessions,
validate, scan, backup, restore, verify, send-reminders, nginx-config."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from portal.config import SettingsError

SERVER_PATH = Path(__file__).resolve().with_name("server.py")


def _fail(message: str, code: int = 2) -> int:
    print(message, file=sys.stderr)
    return code


def cmd_run(args: argparse.Namespace) -> int:
    """Apply migrations, then hand over to `streamlit run portal/server.py` (the app plus its /auth routes)."""
    from portal.db import DatabaseError, init_db

    try:
        init_db()
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")
    argv = [sys.executable, "-m", "streamlit", "run", str(SERVER_PATH), *args.extra]
    os.execv(sys.executable, argv)
    return 0  # pragma: no cover


def cmd_init_db(args: argparse.Namespace) -> int:
    from portal.accounts.service import issue_setup_token
    from portal.db import DatabaseError, init_db, session_scope

    try:
        init_db()
        with session_scope() as session:
            token = issue_setup_token(session)
        built = _build_summaries()
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")
    print("データベースを最新の状態にしました。 (database is up to date)")
    if built is not None:
        print(f"管理ダッシュボードの集計表を作成しました ({built:.1f} 秒)。 (dashboard summary tables built)")
    if token:
        print(f"最初の管理者を作成するには `portal create-admin` を実行するか、アプリのセットアップ画面で次のトークンを入力してください: {token}")
    return 0


def _build_summaries() -> float | None:
    """Build the admin dashboard's summary tables when they are missing or were built for another
    quiz -> lesson map (after an upgrade): here rather than on the first admin view. Returns the
    seconds it took, None when nothing was needed (or the content does not allow it)."""
    import time

    from portal.config import get_settings
    from portal.db import session_scope
    from portal.learning.content import load_course
    from portal.learning.quiz import load_quizzes
    from portal.authoring.service import served_course
    from portal.stats import rebuild
    from portal.stats.filters import CourseShape

    settings = get_settings()
    start = time.perf_counter()
    with session_scope() as session:
        shape = CourseShape.of(*served_course(session, load_course(settings.content_dir),
                                              load_quizzes(settings.quiz_dir)[0]))
        if not rebuild.ensure(session, shape):
            return None
    return time.perf_counter() - start


def cmd_create_admin(args: argparse.Namespace) -> int:
    from portal.accounts.roles import SYSTEM
    from portal.accounts.service import AccountError, create_user
    from portal.db import DatabaseError, init_db, session_scope

    email = args.email or input("メールアドレス: ").strip()
    name = args.name or input("氏名: ").strip()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("パスワード: ")
        if getpass.getpass("パスワード(確認): ") != password:
            return _fail("エラー: パスワードが一致しません。")
    try:
        init_db()
        with session_scope() as session:
            user = create_user(
                session, SYSTEM, name=name, email=email, password=password,
                employee_id=args.employee_id, department=args.department or "", role="admin",
            )
    except (AccountError, DatabaseError) as exc:
        return _fail(f"エラー: {exc}")
    print(f"管理者 {user.name} <{user.email}> を作成しました。")
    return 0


class _Progress:
    """`done / total` lines on stderr while a long command runs (one line per 10 % and at the end)."""

    def __init__(self, what: str) -> None:
        import time

        self.what = what
        self._clock = time.monotonic
        self.started = self._clock()
        self.shown = -1

    def __call__(self, done: int, total: int) -> None:
        step = int(done * 10 / total) if total else 10
        if step == self.shown:
            return
        self.shown = step
        elapsed = self._clock() - self.started
        eta = f"、残り約 {elapsed / done * (total - done):.0f} 秒" if done and done < total else ""
        print(f"  {self.what}: {done:,} / {total:,} 行 ({elapsed:.1f} 秒{eta})", file=sys.stderr, flush=True)


def _write_codes(out: str, issued) -> None:
    """Setup codes as a CSV file only the owner can read (UTF-8 with BOM for Excel), or stdout for '-'."""
    import csv
    import io

    from portal.localtime import JST

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["employee_id", "name", "email", "setup_code", "expires_at"])
    for c in issued:
        writer.writerow([c.employee_id, c.name, c.email, c.code, c.expires_at.astimezone(JST).strftime("%Y-%m-%d %H:%M")])
    if out == "-":
        sys.stdout.write(buffer.getvalue())
        return
    path = Path(out)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as f:
        f.write(buffer.getvalue())
    os.chmod(path, 0o600)
    print(f"{len(issued):,} 件のセットアップコードを {path} に書き出しました(有効期限まで本人に安全な方法で配布してください)。")


def cmd_import_users(args: argparse.Namespace) -> int:
    from portal.accounts.importer import CLI_LIMITS, ImportFileError, import_users
    from portal.accounts.roles import SYSTEM
    from portal.accounts.setup_codes import issue_setup_codes
    from portal.db import DatabaseError, init_db

    if args.batch_size < 1:
        return _fail("エラー: --batch-size は 1 以上にしてください。")
    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return _fail(f"エラー: {path} を読み込めません ({exc.strerror})。何も変更していません。")
    try:
        init_db()
        report = import_users(SYSTEM, data, limits=CLI_LIMITS, batch_size=args.batch_size,
                              progress=_Progress("取り込み"))
        issued = issue_setup_codes(SYSTEM, user_ids=report.created_ids, progress=_Progress("セットアップコード")) \
            if args.codes_out and report.created_ids else []
    except ImportFileError as exc:
        return _fail(f"エラー: {path}: {exc} 何も変更していません。")
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")
    print(f"作成 {report.created} 件、更新 {report.updated} 件、変更なし {report.unchanged} 件、エラー {len(report.errors)} 件"
          f" ({report.seconds:.1f} 秒)")
    for err in report.errors:
        print(f"  {path.name}:{err.line}: {err.reason}", file=sys.stderr)
    if issued:
        _write_codes(args.codes_out, issued)
    elif report.created_ids:
        print("新規アカウントにはパスワードがありません。`portal issue-setup-codes --out FILE` でセットアップコードを発行してください。")
    return 1 if report.errors else 0


def cmd_issue_setup_codes(args: argparse.Namespace) -> int:
    from portal.accounts.roles import SYSTEM
    from portal.accounts.setup_codes import issue_setup_codes
    from portal.db import DatabaseError, init_db

    if not 1 <= args.days <= 365:
        return _fail("エラー: --days は 1 から 365 の間で指定してください。")
    try:
        init_db()
        issued = issue_setup_codes(SYSTEM, progress=_Progress("セットアップコード"), days=args.days)
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")
    if not issued:
        print("パスワード未設定のアカウントはありません。")
        return 0
    _write_codes(args.out, issued)
    return 0


def cmd_prune_sessions(args: argparse.Namespace) -> int:
    from portal.accounts.service import prune_sessions
    from portal.accounts.setup_codes import prune_codes
    from portal.db import DatabaseError, init_db, session_scope

    try:
        init_db()
        with session_scope() as session:
            sessions = prune_sessions(session)
            codes = prune_codes(session)
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")
    print(f"期限切れ・失効したセッション {sessions:,} 件と、使用済み・期限切れのセットアップコード {codes:,} 件を削除しました。")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from portal.learning.validate import validate_all, validate_export

    found = validate_export(Path(args.path)) if args.path else validate_all(args.content, args.quizzes)
    errors = [p for p in found if p.severity == "error"]
    warnings = [p for p in found if p.severity == "warning"]
    for p in errors:
        print(p, file=sys.stderr)
    for p in warnings:
        print(f"警告 (warning) {p}", file=sys.stderr)
    if warnings:
        print(f"{len(warnings)} 件の警告があります(クイズは出題されますが、見直してください)。", file=sys.stderr)
    if errors:
        print(f"{len(errors)} 件の問題が見つかりました。", file=sys.stderr)
        return 1
    if warnings and args.strict:
        return 1
    print("すべてのレッスンとクイズに問題はありません。 (all lessons and quizzes are valid)"
          if not warnings else "エラーはありません。 (no errors; see the warnings above)")
    return 0


def cmd_scan(args: argparse.Namespace) -> int:
    from portal.risk import cli as risk_cli

    return risk_cli.run(args, sys.stdin, sys.stdout, sys.stderr)


def cmd_backup(args: argparse.Namespace) -> int:
    from portal.config import get_settings
    from portal.ops.backup import BackupError, backup

    dest = Path(args.dest)
    try:
        if args.dest.endswith(("/", os.sep)):  # a folder that may not exist yet
            dest.mkdir(parents=True, exist_ok=True)
        report = backup(get_settings().effective_database_url, dest)
    except (BackupError, OSError) as exc:
        return _fail(f"エラー: {exc}")
    print(f"バックアップを作成しました: {report.path} ({report.bytes / 1e6:.1f} MB、利用者 {report.users} 人、"
          f"スキーマ {report.revision})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from portal.config import get_settings
    from portal.db import DatabaseError, init_db
    from portal.ops.backup import BackupError, restore, sqlite_path

    url = get_settings().effective_database_url
    try:
        target = sqlite_path(url)
        if not args.yes:
            answer = input(f"{target} の内容を {args.file} で置き換えます。よろしいですか? [y/N]: ")
            if answer.strip().lower() not in ("y", "yes"):
                return _fail("中止しました。何も変更していません。", code=1)
        report = restore(Path(args.file), url)
        init_db(url)  # a backup taken before an upgrade gets this code's migrations
    except (BackupError, DatabaseError) as exc:
        return _fail(f"エラー: {exc}")
    print(f"{args.file} から復元しました (利用者 {report.users} 人、スキーマ {report.revision})。")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Is a certificate's verification code genuine and still valid? Exit 0 valid, 1 revoked or
    unknown, 2 a code that cannot be one."""
    from portal.certificates.service import CertificateError, describe, verify
    from portal.db import DatabaseError, init_db, session_scope

    try:
        init_db()
        with session_scope(readonly=True) as session:
            result = verify(session, args.code)
    except CertificateError as exc:
        return _fail(f"エラー: {exc}")
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")
    print(describe(result))
    return 0 if result.valid else 1


def cmd_send_reminders(args: argparse.Namespace) -> int:
    """Send today's due-date reminders (``--dry-run``: list them only). Exit 0 when everything
    due went out, 1 when a message failed or the SMTP server could not be used, 2 on settings."""
    from portal.accounts.roles import SYSTEM
    from portal.authoring.service import served_course
    from portal.config import get_settings
    from portal.db import DatabaseError, init_db, session_scope
    from portal.i18n import t
    from portal.learning.content import load_course
    from portal.learning.quiz import load_quizzes
    from portal.reminders.schedule import ReminderError, load_schedule
    from portal.reminders.service import describe_rule, send_reminders

    settings = get_settings()
    try:
        init_db()
        with session_scope(readonly=True) as session:
            if load_schedule(session).empty:
                print(t("reminders.cli.no_schedule"))
                return 0
        with session_scope(readonly=True) as session:  # the course with the published custom lessons
            course, quizzes = served_course(session, load_course(settings.content_dir),
                                            load_quizzes(settings.quiz_dir)[0])
        report = send_reminders(SYSTEM, course, quizzes, dry_run=args.dry_run, settings=settings)
    except ReminderError as exc:
        return _fail(f"エラー: {exc}")
    except DatabaseError as exc:
        return _fail(f"エラー: {exc}")

    def fields(p):
        return dict(name=p.name, email=p.email, rule=describe_rule(p.rule), date=p.due_on.isoformat())

    today = report.today.isoformat()
    for p, reason in report.skipped:
        print(t("reminders.cli.skipped", reason=reason), file=sys.stderr)
    if args.dry_run:
        for p in report.planned:
            print(t("reminders.cli.would", **fields(p)))
        print(t("reminders.cli.summary_dry", today=today, planned=len(report.planned), skipped=len(report.skipped)))
        return 0
    if not report.planned:
        print(t("reminders.cli.nothing", today=today))
        return 0
    for p in report.sent:
        print(t("reminders.cli.sent", **fields(p)))
    if report.error:
        print(f"エラー: {report.error}", file=sys.stderr)
    for p, reason in report.failed:
        if reason != report.error:
            print(t("reminders.cli.failed", reason=reason, **fields(p)), file=sys.stderr)
    print(t("reminders.cli.summary", today=today, sent=len(report.sent), failed=len(report.failed),
            skipped=len(report.skipped)))
    return 0 if report.ok else 1


def cmd_nginx_config(args: argparse.Namespace) -> int:
    from portal.ops.nginx import render

    try:
        text = render(args.backend, listen=args.listen, server_name=args.server_name)
    except ValueError as exc:
        return _fail(f"エラー: {exc}")
    sys.stdout.write(text)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="portal", description="AI リテラシーポータル")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("run", help="start the web app; other options go to `streamlit run` (e.g. --server.port 8502)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("init-db", help="create or upgrade the database schema")
    p.set_defaults(func=cmd_init_db)

    p = sub.add_parser("create-admin", help="create an administrator account")
    p.add_argument("--email")
    p.add_argument("--name")
    p.add_argument("--employee-id")
    p.add_argument("--department")
    p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_create_admin)

    p = sub.add_parser("import-users", help="create or update accounts from an employee CSV (in short batches)")
    p.add_argument("file")
    p.add_argument("--codes-out", help="issue setup codes to the accounts this import creates and write them to this CSV file ('-': stdout)")
    p.add_argument("--batch-size", type=int, default=500, help="rows per write transaction (default 500)")
    p.set_defaults(func=cmd_import_users)

    p = sub.add_parser("issue-setup-codes", help="issue one-time setup codes to every active account without a password")
    p.add_argument("--out", required=True, help="CSV file to write the codes to ('-': stdout)")
    p.add_argument("--days", type=int, default=14, help="days until the codes expire (default 14)")
    p.set_defaults(func=cmd_issue_setup_codes)

    p = sub.add_parser("prune-sessions", help="delete expired and revoked sign-in sessions and used setup codes")
    p.set_defaults(func=cmd_prune_sessions)

    p = sub.add_parser("validate", help="check every lesson and quiz file")
    p.add_argument("path", nargs="?", help="an exported ZIP of custom lessons (管理 > レッスン作成), or the folder it "
                                           "was unpacked to (content/ja, quizzes/ja); default: the configured content")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too (quiz bank quality checks)")
    p.add_argument("--content", type=Path, default=None, metavar="DIR",
                   help="lesson folder to check (default PORTAL_CONTENT_DIR); its templates/ sibling too")
    p.add_argument("--quizzes", type=Path, default=None, metavar="DIR",
                   help="quiz folder to check (default PORTAL_QUIZ_DIR); its templates/ sibling too")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("scan", help="scan text on stdin for personal data, secrets and confidential markers")
    try:
        from portal.risk import cli as risk_cli

        risk_cli.add_arguments(p)
    except ImportError:  # pragma: no cover - risk package not installed
        pass
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("backup", help="copy the SQLite database while the app runs (PostgreSQL: pg_dump)")
    p.add_argument("dest", help="backup file, or a folder for portal-YYYYmmdd-HHMMSS.db")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the SQLite database's contents with a backup")
    p.add_argument("file")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("verify", help="check a completion certificate's verification code")
    p.add_argument("code", help="the code printed on the certificate, e.g. 7K3M-Q9TX-2HBD-W4RZ")
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("send-reminders", help="e-mail today's due-date reminders through PORTAL_SMTP_* (run daily)")
    p.add_argument("--dry-run", action="store_true", help="list who would be mailed; send and record nothing")
    p.set_defaults(func=cmd_send_reminders)

    p = sub.add_parser("nginx-config", help="print the nginx configuration for several replicas")
    p.add_argument("--backend", action="append", required=True, metavar="HOST:PORT",
                   help="a replica (give once per replica)")
    p.add_argument("--listen", default="8080", help="nginx's listen address (default 8080)")
    p.add_argument("--server-name", default="_")
    p.set_defaults(func=cmd_nginx_config)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "run":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.extra = extra
    try:
        return args.func(args)
    except SettingsError as exc:
        return _fail(str(exc))


if __name__ == "__main__":
    sys.exit(main())

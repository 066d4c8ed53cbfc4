"""Custom lessons: draft, publish as a new version, retire, history, and the learner refused by
every authoring service; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile

import pytest

from portal.accounts.roles import PermissionDenied
from portal.authoring import archive, images, service
from portal.authoring.service import AuthoringError
from portal.config import REPO_ROOT
from portal.db import session_scope
from portal.learning import attempts, progress
from portal.learning.content import load_course
from portal.learning.quiz import correct_response, load_quizzes
from authorkit import LESSON, QUIZ, make_user

COURSE = load_course(REPO_ROOT / "content" / "ja")
QUIZZES, _ = load_quizzes(REPO_ROOT / "quizzes" / "ja")
def _png() -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (4, 3), (200, 30, 30)).save(buf, "PNG")
    return buf.getvalue()


PNG = _png()


def served(url):
    with session_scope(url) as s:
        course, quizzes, problems = service.merge_course(COURSE, QUIZZES, service.published_content(s))
    assert problems == []
    return course, quizzes


def publish_sample(url, admin) -> None:
    """The sample lesson and its bank, written and published (revision 1)."""
    with session_scope(url) as s:
        service.create_draft(s, admin, "company-rules", LESSON, QUIZ)
        assert service.publish(s, admin, "company-rules", COURSE, QUIZZES) == 1


@pytest.fixture
def admin(db_url):
    return make_user(db_url, "admin@example.com", "admin")


def test_a_draft_is_not_in_the_course_until_published_then_in_its_order_with_its_quiz(db_url, admin):
    with session_scope(db_url) as s:
        service.create_draft(s, admin, "company-rules", LESSON, QUIZ)
    course, quizzes = served(db_url)
    assert course.get("company-rules") is None and "company-rules-quiz" not in quizzes
    with session_scope(db_url) as s:
        assert service.publish(s, admin, "company-rules", COURSE, QUIZZES) == 1
    course, quizzes = served(db_url)
    lesson = course.get("company-rules")
    assert lesson.title == "当社の生成AI利用ルール"
    assert [x.id for x in course.lessons][-1] == "company-rules"  # order 90: after the file lessons
    assert [x.meta.order for x in course.lessons] == sorted(x.meta.order for x in course.lessons)
    assert [q.id for q in quizzes["company-rules-quiz"].questions] == ["customer-name", "where-list"]


def test_saving_a_draft_keeps_the_published_text_for_learners_and_publishing_makes_a_new_version(db_url, admin):
    learner = make_user(db_url, "learner@example.com")
    publish_sample(db_url, admin)
    course, _ = served(db_url)
    first = course.get("company-rules")
    with session_scope(db_url) as s:
        progress.mark_read(s, learner, first)
    edited = LESSON.replace("顧客名とプロジェクト", "顧客名、個人情報とプロジェクト")
    with session_scope(db_url) as s:
        info = service.save_draft(s, admin, "company-rules", edited, QUIZ)
    assert info.has_unpublished_changes and info.published_revision == 1
    course, _ = served(db_url)
    assert course.get("company-rules").version == first.version  # the draft does not reach learners
    with session_scope(db_url) as s:
        assert service.publish(s, admin, "company-rules", COURSE, QUIZZES) == 2
    course, _ = served(db_url)
    second = course.get("company-rules")
    assert "個人情報" in second.body and second.version != first.version
    with session_scope(db_url) as s:
        state, _ = progress.lesson_state(s, learner, course, second)
    assert state.read_at is not None and state.read_current is False  # shown as having read an older version
    with session_scope(db_url) as s:
        revs = service.revisions(s, admin, "company-rules")
        events = service.history(s, admin, "company-rules")
    assert [(r.number, "個人情報" in r.markdown, r.published_by, r.readers) for r in revs] == [
        (2, True, "admin", 0), (1, False, "admin", 1)]  # the learner read version 1 only: shown under it
    with session_scope(db_url) as s:
        progress.mark_read(s, learner, second)
    with session_scope(db_url) as s:
        assert [(r.number, r.readers) for r in service.revisions(s, admin, "company-rules")] == [(2, 1), (1, 0)]
    assert [(e.action, e.revision, e.actor) for e in events] == [
        ("published", 2, "admin"), ("saved", None, "admin"), ("published", 1, "admin"), ("created", None, "admin")]


def test_publishing_again_without_a_change_makes_no_new_version(db_url, admin):
    with session_scope(db_url) as s:
        service.create_draft(s, admin, "company-rules", LESSON, QUIZ)
        assert service.publish(s, admin, "company-rules", COURSE, QUIZZES) == 1
    with session_scope(db_url) as s:
        assert service.publish(s, admin, "company-rules", COURSE, QUIZZES) == 1
        assert len(service.revisions(s, admin, "company-rules")) == 1


def test_retire_takes_it_out_of_the_course_and_publishing_brings_it_back(db_url, admin):
    publish_sample(db_url, admin)
    with session_scope(db_url) as s:
        service.retire(s, admin, "company-rules")
    course, quizzes = served(db_url)
    assert course.get("company-rules") is None and "company-rules-quiz" not in quizzes
    with session_scope(db_url) as s:
        assert service.get_lesson(s, admin, "company-rules").status == "retired"
        with pytest.raises(AuthoringError, match="was published is retired, not deleted"):
            service.delete_draft(s, admin, "company-rules")
    with session_scope(db_url) as s:
        assert service.publish(s, admin, "company-rules", COURSE, QUIZZES) == 2
    assert served(db_url)[0].get("company-rules") is not None


def test_publishing_is_refused_with_the_field_named_and_nothing_is_published(db_url, admin):
    broken = LESSON.replace("order: 90", "order: 1")  # the first file lesson's place
    with session_scope(db_url) as s:
        service.create_draft(s, admin, "company-rules", broken, QUIZ)
    with session_scope(db_url) as s, pytest.raises(AuthoringError) as exc:
        service.publish(s, admin, "company-rules", COURSE, QUIZZES)
    assert [(p.file, p.field) for p in exc.value.problems] == [("company-rules.md", "order")]
    assert "order 1 is used by another lesson too" in str(exc.value)
    assert served(db_url)[0].get("company-rules") is None
    with session_scope(db_url) as s:
        assert service.get_lesson(s, admin, "company-rules").status == "draft"


@pytest.mark.parametrize("markdown, quiz, where, message", [
    (LESSON.replace("title: 当社の生成AI利用ルール\n", ""), QUIZ, ("company-rules.md", "title"), "Field required"),
    (LESSON.replace("reading_minutes: 5", "reading_minutes: 500"), QUIZ, ("company-rules.md", "reading_minutes"),
     "less than or equal to 120"),
    (LESSON.replace("id: company-rules\n", "id: Company Rules\n"), QUIZ, ("company-rules.md", "id"), "pattern"),
    (LESSON.replace("quiz_id: company-rules-quiz", "quiz_id: other-quiz"), QUIZ, ("company-rules.md", "quiz_id"),
     "quiz_id must be the question bank's id"),
    (LESSON.replace("承認済みのサービスは", "<script>alert(1)</script>承認済みのサービスは"), QUIZ,
     ("company-rules.md", "body"), "raw HTML on line 14"),
    (LESSON.replace("承認済みのサービスは", "[一覧](javascript:alert(1)) 承認済みのサービスは"), QUIZ,
     ("company-rules.md", "body"), "javascript:, vbscript:, data: or file: link on line 14"),
    (LESSON.replace("承認済みのサービスは", "![図](https://example.com/a.png)"), QUIZ,
     ("company-rules.md", "body"), "image on line 14: only uploaded images"),
    (LESSON.replace("承認済みのサービスは", "\n![図](image:missing.png)\n"), QUIZ,
     ("company-rules.md", "body"), "image 'missing.png' is not uploaded"),
    (LESSON, QUIZ.replace("answer: portal", "answer: intranet"), ("company-rules.yaml", "answer"),
     "answer names missing option(s): intranet"),
    (LESSON, QUIZ.replace("section: services", "section: nowhere"), ("company-rules.yaml", "section"),
     "section 'nowhere' is not in lesson 'company-rules'"),
    (LESSON, QUIZ.replace("pass_mark: 0.5", "pass_mark: 2"), ("company-rules.yaml", "pass_mark"), "less than or equal"),
    (LESSON, QUIZ.replace("    type: true_false\n", "    type: essay\n"), ("company-rules.yaml", "type"), "essay"),
])
def test_validation_names_the_file_and_field(db_url, admin, markdown, quiz, where, message):
    with session_scope(db_url) as s:
        checked = service.validate_draft(s, admin, "company-rules", markdown, quiz, COURSE, QUIZZES)
    assert not checked.ok
    assert any((p.file, p.field) == where and message in p.message for p in checked.errors), checked.errors


def test_a_lesson_id_or_quiz_id_of_the_file_course_is_refused(db_url, admin):
    taken = COURSE.lessons[0]
    markdown = LESSON.replace("id: company-rules\n", f"id: {taken.id}\n")
    with session_scope(db_url) as s:
        checked = service.validate_draft(s, admin, taken.id, markdown, None, COURSE, QUIZZES)
    assert ("id", f"lesson id '{taken.id}' is used by another lesson") in [(p.field, p.message) for p in checked.errors]


def test_images_are_checked_by_content_and_size(db_url, admin):
    with session_scope(db_url) as s:
        with pytest.raises(AuthoringError, match="not a PNG, JPEG, GIF or WebP"):
            images.upload_image(s, admin, "logo.png", b"<svg onload=alert(1)>")
        with pytest.raises(AuthoringError, match="at most 2,097,152"):
            images.upload_image(s, admin, "big.png", PNG + b"\x00" * images.MAX_IMAGE_BYTES)
        with pytest.raises(AuthoringError, match="big.png type: the image cannot be read"):
            images.upload_image(s, admin, "big.png", PNG[:8] + b"\x00" * 64)  # the signature alone is not an image
        info = images.upload_image(s, admin, "社内 図/ロゴ.gif", PNG)  # the extension follows the real type
    assert info.mime == "image/png" and info.name.endswith(".png")
    with session_scope(db_url) as s:
        assert images.image_for_lesson(s, admin, info.name) == PNG


def test_export_then_import_round_trips_and_a_broken_zip_writes_nothing(db_url, admin):
    with session_scope(db_url) as s:
        service.create_draft(s, admin, "company-rules", LESSON.replace("承認済みのサービスは", "\n![図](image:chart.png)\n"),
                             QUIZ)
        images.upload_image(s, admin, "chart.png", PNG)
        service.publish(s, admin, "company-rules", COURSE, QUIZZES)
        data = archive.export_zip(s, admin)
    names = sorted(zipfile.ZipFile(io.BytesIO(data)).namelist())
    assert names == ["content/images/chart.png", "content/ja/company-rules.md", "quizzes/ja/company-rules.yaml"]

    other = make_user(db_url, "admin2@example.com", "admin")
    with session_scope(db_url) as s:
        service.retire(s, admin, "company-rules")
    broken = io.BytesIO()
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("content/ja/company-rules.md", LESSON.replace("order: 90", "order: 91"))
        zf.writestr("quizzes/ja/company-rules.yaml", QUIZ.replace("answer: portal", "answer: intranet"))
        zf.writestr("content/ja/second.md", LESSON.replace("id: company-rules\n", "id: second\n")
                    .replace("quiz_id: company-rules-quiz\n", "").replace("order: 90", "order: 92")
                    .replace("承認済みの", "<b>承認済み</b>の"))
    with session_scope(db_url) as s, pytest.raises(AuthoringError) as exc:
        archive.import_zip(s, other, broken.getvalue(), COURSE, QUIZZES)
    assert {(p.file, p.field) for p in exc.value.problems} == {
        ("quizzes/ja/company-rules.yaml", "answer"), ("content/ja/second.md", "body")}
    assert any("line 13" in p.message for p in exc.value.problems)
    with session_scope(db_url) as s:
        assert "order: 90" in service.get_lesson(s, admin, "company-rules").draft_markdown  # nothing written
        assert service.get_lesson(s, admin, "second") is None
    with session_scope(db_url) as s:
        report = archive.import_zip(s, other, data, COURSE, QUIZZES)
    assert report.updated == ["company-rules"] and report.images == ["chart.png"]


def test_the_shipped_template_is_adopted_as_a_draft(db_url, admin, tmp_path):
    content, quizzes = tmp_path / "content" / "ja", tmp_path / "quizzes" / "ja"
    for folder in (tmp_path / "content" / "templates" / "ja", tmp_path / "quizzes" / "templates" / "ja"):
        folder.mkdir(parents=True)
    (tmp_path / "content" / "templates" / "ja" / "company-rules.md").write_text(LESSON, encoding="utf-8")
    (tmp_path / "quizzes" / "templates" / "ja" / "company-rules.yaml").write_text(QUIZ, encoding="utf-8")
    with session_scope(db_url) as s:
        assert service.list_templates(admin, content, quizzes) == ["company-rules"]
        info = service.adopt_template(s, admin, "company-rules", content, quizzes)
    assert info.status == "draft" and info.draft_quiz == QUIZ
    assert served(db_url)[0].get("company-rules") is None


def test_a_published_custom_lesson_is_read_and_passed_like_a_file_lesson(db_url, admin):
    learner = make_user(db_url, "learner@example.com")
    publish_sample(db_url, admin)
    course, quizzes = served(db_url)
    lesson, quiz = course.get("company-rules"), quizzes["company-rules-quiz"]
    with session_scope(db_url) as s:
        progress.mark_read(s, learner, lesson)
        attempt = attempts.start_attempt(s, learner, quiz)
        result = attempts.submit(s, learner, quiz, attempt.id,
                                 {q: correct_response(quiz.question(q)) for q in attempt.question_ids}, "k1")
    assert result.passed
    with session_scope(db_url) as s:
        states = progress.course_states(s, learner, course)
    assert states["company-rules"].status == progress.Status.COMPLETED


CALLS = {
    "list_lessons": lambda s, u: service.list_lessons(s, u),
    "get_lesson": lambda s, u: service.get_lesson(s, u, "company-rules"),
    "create_draft": lambda s, u: service.create_draft(s, u, "x-lesson", LESSON),
    "save_draft": lambda s, u: service.save_draft(s, u, "company-rules", LESSON, None),
    "validate_draft": lambda s, u: service.validate_draft(s, u, "company-rules", LESSON, QUIZ, COURSE, QUIZZES),
    "publish": lambda s, u: service.publish(s, u, "company-rules", COURSE, QUIZZES),
    "retire": lambda s, u: service.retire(s, u, "company-rules"),
    "delete_draft": lambda s, u: service.delete_draft(s, u, "company-rules"),
    "history": lambda s, u: service.history(s, u, "company-rules"),
    "revisions": lambda s, u: service.revisions(s, u, "company-rules"),
    "list_templates": lambda s, u: service.list_templates(u, REPO_ROOT / "content" / "ja", REPO_ROOT / "quizzes" / "ja"),
    "adopt_template": lambda s, u: service.adopt_template(s, u, "ai-usage-rules", REPO_ROOT / "content" / "ja",
                                                         REPO_ROOT / "quizzes" / "ja"),
    "upload_image": lambda s, u: images.upload_image(s, u, "a.png", PNG),
    "list_images": lambda s, u: images.list_images(s, u),
    "delete_image": lambda s, u: images.delete_image(s, u, "a.png"),
    "all_image_data": lambda s, u: images.all_image_data(s, u),
    "export_zip": lambda s, u: archive.export_zip(s, u),
    "import_zip": lambda s, u: archive.import_zip(s, u, b"PK", COURSE, QUIZZES),
}


def test_every_authoring_service_is_listed_here():
    public = {name for module in (service, images, archive) for name, f in vars(module).items()
              if callable(f) and getattr(f, "__module__", "") == module.__name__ and not name.startswith("_")
              and not isinstance(f, type) and "actor" in getattr(f, "__code__", type("", (), {"co_varnames": ()})).co_varnames}
    assert public - {"image_for_lesson"} == set(CALLS)


@pytest.mark.parametrize("name", sorted(CALLS))
def test_a_learner_is_refused_by_every_authoring_service(db_url, admin, name):
    learner = make_user(db_url, "learner@example.com")
    with session_scope(db_url) as s:
        service.create_draft(s, admin, "company-rules", LESSON, QUIZ)
    with session_scope(db_url) as s, pytest.raises(PermissionDenied):
        CALLS[name](s, learner)
    with session_scope(db_url) as s:
        info = service.get_lesson(s, admin, "company-rules")
        assert info.status == "draft" and info.draft_markdown == LESSON
        assert service.get_lesson(s, admin, "x-lesson") is None and images.list_images(s, admin) == []


def test_portal_validate_checks_an_exported_zip_like_lesson_files(db_url, admin, tmp_path, capsys):
    from portal.cli import main

    publish_sample(db_url, admin)
    with session_scope(db_url) as s:
        good = archive.export_zip(s, admin)
    (tmp_path / "good.zip").write_bytes(good)
    assert main(["validate", str(tmp_path / "good.zip")]) == 0
    bad = io.BytesIO()
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("content/ja/company-rules.md", LESSON.replace("reading_minutes: 5", "reading_minutes: 0"))
        zf.writestr("quizzes/ja/company-rules.yaml", QUIZ)
    (tmp_path / "bad.zip").write_bytes(bad.getvalue())
    assert main(["validate", str(tmp_path / "bad.zip")]) == 1
    assert "company-rules.md reading_minutes: Input should be greater than or equal to 1" in capsys.readouterr().err


def test_the_shipped_policy_template_adopts_as_a_draft_that_validates_and_publishes(db_url, admin):
    content, quizzes = REPO_ROOT / "content" / "ja", REPO_ROOT / "quizzes" / "ja"
    with session_scope(db_url) as s:
        assert "ai-usage-rules" in service.list_templates(admin, content, quizzes)
        info = service.adopt_template(s, admin, "ai-usage-rules", content, quizzes)
        checked = service.validate_draft(s, admin, info.lesson_id, info.draft_markdown, info.draft_quiz, COURSE, QUIZZES)
    assert info.title == "生成AI利用ルール(ひな形)" and info.draft_quiz
    assert checked.errors == [] and checked.quiz is not None
    with session_scope(db_url) as s:
        service.publish(s, admin, "ai-usage-rules", COURSE, QUIZZES)
    course, quizzes_served = served(db_url)
    assert course.get("ai-usage-rules").meta.quiz_id in quizzes_served

"""管理 > レッスン作成: the organisation's own lessons. A list with status; an editor with the
front matter as form fields, the Markdown body, the question bank (a form per question type and
the YAML), a live preview rendered by the learners' renderer, save / publish / retire, history
and previous versions; images; ZIP export and import; the shipped templates to adopt; and, next
to the policy lesson, the organisation's own terms of the risk checklist (the policy's setting).
Every action is a portal.authoring service (admin-only, checked there)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from portal.accounts.roles import PermissionDenied
from portal.authoring import archive, forms, images
from portal.authoring import service as authoring
from portal.authoring.service import AuthoringError, Checked
from portal.i18n import current_lang, t
from portal.learning.content import LessonMeta
from portal.learning.problems import Problem
from portal.localtime import JST
from portal.sandbox import PolicyError, load_policy_for_admin, save_organization_terms
from portal.ui import content, lesson_view, routes, state

POLICY_LESSON_ID = "ai-usage-rules"  # the shipped template 生成AI利用ルール(ひな形)
PICK = "au_pick"
NEW = "__new__"


def page():
    return st.Page(render, title=t("nav.admin.authoring"), icon=":material/edit_note:", url_path=routes.ADMIN_AUTHORING)


def render() -> None:
    user = state.current_user()
    st.title(t("authoring.title"))
    st.caption(t("authoring.lead"))
    try:
        with state.db(readonly=True) as session:
            lessons = authoring.list_lessons(session, user)
    except PermissionDenied as exc:
        st.error(str(exc))
        return
    _flash()
    tab_edit, tab_list, tab_images, tab_zip = st.tabs(
        [t("authoring.tab.editor"), t("authoring.tab.list"), t("authoring.tab.images"), t("authoring.tab.zip")])
    with tab_list:
        _list(user, lessons)
    with tab_images:
        _images(user)
    with tab_zip:
        _zip(user)
    with tab_edit:
        _editor(user, lessons)


def _flash() -> None:
    message = st.session_state.pop("au_flash", None)
    if message:
        st.success(message, icon=":material/check_circle:")


def _done(message: str) -> None:
    st.session_state["au_flash"] = message
    content.published_changed()
    st.rerun()


def _problems(problems: list[Problem], *, warning: bool = False) -> None:
    text = "\n".join(f"- {_where(p)}: {p.message}" for p in problems)
    (st.warning if warning else st.error)(text, icon=":material/warning:" if warning else ":material/error:")


def _where(p: Problem) -> str:
    where = p.file + (f" [{p.item}]" if p.item else "")
    return f"{where} {p.field}" if p.field else where


def _when(value) -> str:
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")


# ---------------------------------------------------------------- list, new, templates


def _list(user, lessons) -> None:
    if lessons:
        st.dataframe(pd.DataFrame([{
            t("authoring.col.id"): i.lesson_id, t("authoring.col.title"): i.title, t("authoring.col.order"): str(i.order or ""),
            t("authoring.col.status"): t(f"authoring.status.{i.status}"),
            t("authoring.col.revision"): str(i.published_revision or ""),
            t("authoring.col.changes"): t("authoring.changes") if i.has_unpublished_changes and i.published_revision else "",
            t("authoring.col.updated"): f"{_when(i.updated_at)} {i.updated_by or ''}".strip(),
        } for i in lessons]), hide_index=True)
    else:
        st.info(t("authoring.none"))
    with st.form("au_new"):
        st.subheader(t("authoring.new"))
        lesson_id = st.text_input(t("authoring.new.id"), help=t("authoring.new.id.help"), key="au_new_id")
        title = st.text_input(t("authoring.field.title"), key="au_new_title")
        submitted = st.form_submit_button(t("authoring.new.create"), icon=":material/add:")
    if submitted:
        skeleton = forms.compose_markdown(
            {"id": lesson_id.strip(), "title": title.strip(), "order": _next_order(), "reading_minutes": 5,
             "summary": "", "objectives": []},
            t("authoring.new.body"))
        try:
            with state.db() as session:
                authoring.create_draft(session, user, lesson_id.strip(), skeleton)
        except AuthoringError as exc:
            _problems(exc.problems)
        else:
            st.session_state[PICK] = lesson_id.strip()
            _done(t("authoring.created", id=lesson_id.strip()))
    s = state.settings()
    lang = current_lang()  # the admin's language edition of the templates, else the Japanese one
    templates = authoring.list_templates(user, s.content_dir, s.quiz_dir, lang)
    if not templates:
        lang, templates = "ja", authoring.list_templates(user, s.content_dir, s.quiz_dir)
    if templates:
        st.subheader(t("authoring.templates"))
        st.caption(t("authoring.templates.lead"))
        existing = {i.lesson_id for i in lessons}
        for template_id in templates:
            if st.button(t("authoring.templates.adopt", id=template_id), key=f"au_adopt_{template_id}",
                         disabled=template_id in existing, icon=":material/content_copy:"):
                try:
                    with state.db() as session:
                        info = authoring.adopt_template(session, user, template_id, s.content_dir, s.quiz_dir, lang)
                except AuthoringError as exc:
                    _problems(exc.problems)
                else:
                    st.session_state[PICK] = info.lesson_id
                    _done(t("authoring.adopted", id=info.lesson_id))


def _next_order() -> int:
    return max((x.meta.order for x in content.course().lessons), default=0) + 1


# ---------------------------------------------------------------- editor


def _editor(user, lessons) -> None:
    if not lessons:
        st.info(t("authoring.none"))
        return
    labels = {i.lesson_id: f"{i.title} ({i.lesson_id}) — {t(f'authoring.status.{i.status}')}" for i in lessons}
    if st.session_state.get(PICK) not in labels:
        st.session_state[PICK] = lessons[0].lesson_id
    lesson_id = st.selectbox(t("authoring.pick"), list(labels), format_func=labels.get, key=PICK)
    info = next(i for i in lessons if i.lesson_id == lesson_id)
    st.caption(t("authoring.state", status=t(f"authoring.status.{info.status}"),
                 revision=info.published_revision or "-", when=_when(info.updated_at), who=info.updated_by or "-"))
    tab_lesson, tab_quiz, tab_preview, tab_history = st.tabs(
        [t("authoring.tab.lesson"), t("authoring.tab.quiz"), t("authoring.tab.preview"), t("authoring.tab.history")])
    with tab_lesson:
        if lesson_id == POLICY_LESSON_ID:
            _org_terms(user)
        markdown, quiz_yaml = _fields(info)
    files, file_quizzes = content.file_content()
    with state.db(readonly=True) as session:
        checked = authoring.validate_draft(session, user, lesson_id, markdown, quiz_yaml, files, file_quizzes)
    with tab_quiz:
        _quiz_editor(info, checked)
    with tab_preview:
        _preview(checked)
    with tab_history:
        _history(user, lesson_id)
    _report(checked)
    _actions(user, info, markdown, quiz_yaml, checked)


def _key(info, name: str) -> str:
    return f"au_{info.lesson_id}_{name}"


def _fields(info) -> tuple[str, str | None]:
    """The editor's widgets (initialised from the draft) and the files they make."""
    front, body, error = forms.split_markdown(info.draft_markdown)
    flags = [f for f in forms.FLAG_FIELDS if f in LessonMeta.model_fields]
    shown = {"id", *forms.TEXT_FIELDS, *forms.NUMBER_FIELDS, *forms.LINE_FIELDS, *flags}
    k = lambda name: _key(info, name)  # noqa: E731
    defaults = {k("body"): body, k("extra"): forms.extra_yaml(front, shown), k("quiz"): info.draft_quiz or ""}
    for name in forms.TEXT_FIELDS:
        defaults[k(name)] = str(front.get(name) or "")
    for name in forms.NUMBER_FIELDS:
        value = front.get(name)
        defaults[k(name)] = value if isinstance(value, int) and value >= 1 else (90 if name == "order" else 5)
    for name in forms.LINE_FIELDS:
        value = front.get(name)
        defaults[k(name)] = "\n".join(map(str, value)) if isinstance(value, list) else str(value or "")
    for name in flags:
        default = LessonMeta.model_fields[name].default
        defaults[k(name)] = bool(front.get(name, default))
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)

    with st.container():
        if error:
            st.warning(t("authoring.front_unreadable", error=error))
        col1, col2, col3 = st.columns([3, 1, 1])
        col1.text_input(t("authoring.field.title"), key=k("title"))
        col2.number_input(t("authoring.field.order"), min_value=1, max_value=10_000, step=1, key=k("order"),
                          help=t("authoring.field.order.help"))
        col3.number_input(t("authoring.field.reading_minutes"), min_value=1, max_value=120, step=1,
                          key=k("reading_minutes"))
        st.text_input(t("authoring.field.summary"), key=k("summary"))
        col4, col5 = st.columns(2)
        col4.text_area(t("authoring.field.objectives"), key=k("objectives"), help=t("authoring.lines.help"), height=100)
        col5.text_area(t("authoring.field.takeaways"), key=k("takeaways"), help=t("authoring.lines.help"), height=100)
        col6, col7, col8 = st.columns(3)
        col6.text_input(t("authoring.field.as_of"), key=k("as_of"), placeholder="2026-12")
        col7.text_input(t("authoring.field.quiz_id"), key=k("quiz_id"), help=t("authoring.field.quiz_id.help"))
        for name, col in zip(flags, (col8, col8)):
            col.checkbox(t(f"authoring.field.{name}"), key=k(name))
        st.text_area(t("authoring.field.sources"), key=k("sources"), help=t("authoring.lines.help"), height=80)
        st.text_input(t("authoring.field.reflection"), key=k("reflection"))
        st.text_area(t("authoring.field.body"), key=k("body"), height=420, help=t("authoring.field.body.help"))
        st.text_area(t("authoring.field.extra"), key=k("extra"), height=120, help=t("authoring.field.extra.help"))

    ss = st.session_state
    new_front: dict = {"id": info.lesson_id}
    for name in ("title", "order", "reading_minutes", "summary", "objectives", "takeaways", "quiz_id", "as_of",
                 "sources", "reflection"):
        value = ss[k(name)]
        new_front[name] = forms.lines(value) if name in forms.LINE_FIELDS else (
            value.strip() if isinstance(value, str) else int(value))
    for name in flags:
        if ss[k(name)] != LessonMeta.model_fields[name].default:
            new_front[name] = ss[k(name)]
    extra, extra_error = forms.parse_extra(ss[k("extra")])
    if extra_error:
        st.error(t("authoring.extra_unreadable", error=extra_error))
    new_front.update(extra)
    return forms.compose_markdown(new_front, ss[k("body")]), ss[k("quiz")] or None


def _quiz_editor(info, checked: Checked) -> None:
    k = lambda name: _key(info, name)  # noqa: E731
    ids = forms.question_ids(st.session_state[k("quiz")])
    st.caption(t("authoring.quiz.lead", n=len(ids)))
    for qid in ids:
        with st.container(horizontal=True, vertical_alignment="center"):
            st.markdown(f"`{qid}`", width="content")
            st.button(t("authoring.quiz.remove"), key=f"{k('rm')}_{qid}", on_click=_remove_question, args=(info, qid),
                      type="tertiary", icon=":material/delete:")
    kind = st.selectbox(t("authoring.quiz.type"), forms.QUESTION_TYPES, key=k("qtype"),
                        format_func=lambda x: t(f"authoring.qtype.{x}"))
    sections = [s.id for s in checked.lesson.sections] if checked.lesson else []
    with st.form(k("qform"), clear_on_submit=True):
        st.markdown(f"**{t('authoring.quiz.add', type=t(f'authoring.qtype.{kind}'))}**")
        col1, col2, col3 = st.columns(3)
        col1.text_input(t("authoring.q.id"), key=k("q_id"), help=t("authoring.q.id.help"))
        col2.selectbox(t("authoring.q.section"), [""] + sections, key=k("q_section"))
        col3.selectbox(t("authoring.q.kind"), ["scenario", "recall"], key=k("q_kind"),
                       format_func=lambda x: t(f"authoring.q.kind.{x}"))
        st.text_area(t("authoring.q.prompt"), key=k("q_prompt"), height=80)
        if kind in ("single", "multiple", "ordering"):
            st.text_area(t("authoring.q.options"), key=k("q_options"), height=100,
                         help=t("authoring.q.options.ordering" if kind == "ordering" else "authoring.q.options.help"))
            if kind != "ordering":
                st.text_input(t("authoring.q.answer_numbers"), key=k("q_answer"),
                              help=t("authoring.q.answer_numbers.help"))
            if kind == "multiple":
                st.checkbox(t("authoring.q.partial"), key=k("q_partial"))
        elif kind == "true_false":
            st.radio(t("authoring.q.answer"), [True, False], key=k("q_answer"), horizontal=True,
                     format_func=lambda x: t("authoring.q.true") if x else t("authoring.q.false"))
        elif kind == "matching":
            st.text_area(t("authoring.q.pairs"), key=k("q_pairs"), height=100, help=t("authoring.q.pairs.help"))
        elif kind == "numeric":
            col4, col5, col6 = st.columns(3)
            col4.number_input(t("authoring.q.answer"), key=k("q_answer"), value=0.0, format="%g")
            col5.number_input(t("authoring.q.tolerance"), key=k("q_tolerance"), value=0.0, min_value=0.0, format="%g")
            col6.text_input(t("authoring.q.unit"), key=k("q_unit"))
        st.text_area(t("authoring.q.explanation"), key=k("q_explanation"), height=80)
        st.form_submit_button(t("authoring.quiz.add_button"), icon=":material/add:", on_click=_add_question,
                              args=(info, kind))
    st.text_area(t("authoring.quiz.yaml"), key=k("quiz"), height=360, help=t("authoring.quiz.yaml.help"))


def _add_question(info, kind: str) -> None:
    ss = st.session_state
    k = lambda name: _key(info, name)  # noqa: E731
    form = {"id": ss.get(k("q_id"), ""), "prompt": ss.get(k("q_prompt"), ""), "section": ss.get(k("q_section")),
            "kind": ss.get(k("q_kind")), "options": ss.get(k("q_options"), ""), "answer": ss.get(k("q_answer")),
            "pairs": ss.get(k("q_pairs"), ""), "tolerance": ss.get(k("q_tolerance")), "unit": ss.get(k("q_unit"), ""),
            "scoring": "partial" if ss.get(k("q_partial")) else "", "explanation": ss.get(k("q_explanation"), "")}
    question = forms.question_from_form(kind, form)
    title = (ss.get(k("title")) or info.title).strip()
    ss[k("quiz")] = forms.add_question(ss[k("quiz")], question, info.lesson_id, title)
    if not ss.get(k("quiz_id")):  # the lesson points at its new bank
        ss[k("quiz_id")] = _bank_id(ss[k("quiz")]) or f"{info.lesson_id}-quiz"


def _bank_id(text: str) -> str | None:
    front, _, _ = forms.split_markdown("---\n" + text + "\n---\n")
    value = front.get("id")
    return value if isinstance(value, str) else None


def _remove_question(info, qid: str) -> None:
    key = _key(info, "quiz")
    st.session_state[key] = forms.remove_question(st.session_state[key], qid)


def _preview(checked: Checked) -> None:
    """The lesson as learners will see it (the same renderer as the lesson page)."""
    if checked.lesson is None:
        st.info(t("authoring.preview.none"))
        return
    with st.container(border=True):
        lesson_view.render_content(checked.lesson, len(content.course().lessons))


def _report(checked: Checked) -> None:
    if checked.errors:
        _problems(checked.errors)
        st.caption(t("authoring.lines_note"))
    else:
        st.success(t("authoring.valid"), icon=":material/task_alt:")
    if checked.warnings:
        _problems(checked.warnings, warning=True)


def _actions(user, info, markdown: str, quiz_yaml: str | None, checked: Checked) -> None:
    with st.container(horizontal=True):
        save = st.button(t("authoring.save"), icon=":material/save:", key="au_save")
        publish = st.button(t("authoring.publish"), type="primary", icon=":material/publish:", key="au_publish",
                            disabled=not checked.ok)
        retire = st.button(t("authoring.retire"), icon=":material/unpublished:", key="au_retire",
                           disabled=info.status != authoring.PUBLISHED)
        delete = st.button(t("authoring.delete"), icon=":material/delete:", key="au_delete",
                           disabled=info.published_revision is not None)
    files, file_quizzes = content.file_content()
    try:
        if save or publish:
            with state.db() as session:
                authoring.save_draft(session, user, info.lesson_id, markdown, quiz_yaml)
                number = authoring.publish(session, user, info.lesson_id, files, file_quizzes) if publish else None
            _done(t("authoring.published", n=number) if publish else t("authoring.saved"))
        elif retire:
            with state.db() as session:
                authoring.retire(session, user, info.lesson_id)
            _done(t("authoring.retired"))
        elif delete:
            with state.db() as session:
                authoring.delete_draft(session, user, info.lesson_id)
            _forget(info.lesson_id)
            _done(t("authoring.deleted", id=info.lesson_id))
    except AuthoringError as exc:
        _problems(exc.problems)


def _forget(lesson_id: str) -> None:
    """Drop the editor's widget values of a lesson (its draft changed outside the editor)."""
    for key in [k for k in st.session_state if str(k).startswith(f"au_{lesson_id}_")]:
        del st.session_state[key]


def _history(user, lesson_id: str) -> None:
    with state.db(readonly=True) as session:
        events = authoring.history(session, user, lesson_id)
        revisions = authoring.revisions(session, user, lesson_id)
    st.dataframe(pd.DataFrame([{
        t("authoring.col.when"): _when(e.at), t("authoring.col.who"): e.actor or "-",
        t("authoring.col.action"): t(f"authoring.action.{e.action}"), t("authoring.col.revision"): str(e.revision or ""),
    } for e in events]), hide_index=True)
    if not revisions:
        st.caption(t("authoring.revisions.none"))
        return
    labels = {r.number: t("authoring.revisions.label", n=r.number, when=_when(r.published_at), who=r.published_by or "-",
                          readers=r.readers) for r in revisions}
    number = st.selectbox(t("authoring.revisions.pick"), list(labels), format_func=labels.get, key=f"au_rev_{lesson_id}")
    rev = next(r for r in revisions if r.number == number)
    st.caption(t("authoring.revisions.version", version=rev.content_version))
    st.code(rev.markdown, language="markdown")
    if rev.quiz:
        st.code(rev.quiz, language="yaml")


def _org_terms(user) -> None:
    """The risk checklist's organisation terms, beside the policy lesson (the policy page's setting)."""
    with st.container(border=True):
        st.markdown(f"**{t('authoring.terms.title')}**")
        st.caption(t("authoring.terms.lead"))
        with state.db(readonly=True) as session:
            terms = load_policy_for_admin(session, user).risk.organization_terms
        with st.form("au_terms"):
            text = st.text_area(t("sandbox.policy.field.organization_terms"), value="\n".join(terms), height=120,
                                placeholder=t("sandbox.admin.terms.placeholder"), key="au_terms_text")
            submitted = st.form_submit_button(t("authoring.terms.save"), icon=":material/save:")
        if submitted:
            try:
                with state.db() as session:
                    diff = save_organization_terms(session, user, text)
            except PolicyError as exc:
                st.error(str(exc))
            else:
                st.success(t("authoring.terms.saved") if diff else t("sandbox.admin.unchanged"))


# ---------------------------------------------------------------- images, ZIP


def _images(user) -> None:
    st.caption(t("authoring.images.lead", mb=images.MAX_IMAGE_BYTES // (1024 * 1024)))
    upload = st.file_uploader(t("authoring.images.upload"), type=["png", "jpg", "jpeg", "gif", "webp"],
                              key="au_image_upload")
    if upload is not None and st.button(t("authoring.images.save"), key="au_image_save", icon=":material/upload:"):
        try:
            with state.db() as session:
                info = images.upload_image(session, user, upload.name, upload.getvalue())
        except AuthoringError as exc:
            _problems(exc.problems)
        else:
            st.success(t("authoring.images.saved", ref=f"![{t('authoring.images.alt')}](image:{info.name})"))
    with state.db(readonly=True) as session:
        stored = images.list_images(session, user)
    if not stored:
        st.info(t("authoring.images.none"))
        return
    st.dataframe(pd.DataFrame([{
        t("authoring.images.col.ref"): f"![…](image:{i.name})", t("authoring.images.col.type"): i.mime,
        t("authoring.images.col.size"): f"{i.size:,}", t("authoring.col.when"): _when(i.uploaded_at)} for i in stored]),
        hide_index=True)


def _zip(user) -> None:
    st.caption(t("authoring.zip.lead"))
    drafts = st.checkbox(t("authoring.zip.drafts"), key="au_zip_drafts")
    with state.db(readonly=True) as session:
        data = archive.export_zip(session, user, drafts=drafts)
    st.download_button(t("authoring.zip.export"), data, file_name="custom-lessons.zip", mime="application/zip",
                       icon=":material/download:", key="au_zip_download")
    upload = st.file_uploader(t("authoring.zip.import"), type=["zip"], key="au_zip_upload")
    if upload is not None and st.button(t("authoring.zip.import_button"), key="au_zip_import", icon=":material/upload:"):
        files, file_quizzes = content.file_content()
        try:
            with state.db() as session:
                report = archive.import_zip(session, user, upload.getvalue(), files, file_quizzes)
        except AuthoringError as exc:
            _problems(exc.problems)
        else:
            for lesson_id in report.updated:
                _forget(lesson_id)
            _done(t("authoring.zip.imported", created=len(report.created), updated=len(report.updated),
                    images=len(report.images)))

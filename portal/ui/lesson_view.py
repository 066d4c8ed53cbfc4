"""How a lesson reads: the one renderer of the lesson page and of the authoring preview (管理 >
レッスン作成), so an admin previews exactly what learners see. Markdown without raw HTML (Streamlit
escapes it), diagrams, widgets and uploaded images (st.image) in place."""

from __future__ import annotations

import streamlit as st

from portal.authoring import images
from portal.i18n import t
from portal.learning import memory
from portal.learning.content import Block, Lesson, counts_for_completion
from portal.learning.models_table import DISCLOSURE_KEYS, year_month
from portal.ui import content, routes, state
from portal.ui.lesson_marks import lesson_badges


def render_content(lesson: Lesson, total: int) -> None:
    """Kicker, title, objectives and contents, body, やってみよう, takeaways and sources."""
    kicker = t("lesson.kicker", order=lesson.meta.order, total=total, minutes=lesson.meta.reading_minutes)
    if lesson.meta.as_of:
        kicker += t("lesson.kicker_as_of", date=year_month(lesson.meta.as_of))
    st.caption(kicker)
    st.title(lesson.title)
    _marks(lesson)
    st.info(_overview(lesson), icon=":material/flag:")

    render_body(lesson)
    _practice(lesson)

    if lesson.meta.takeaways:
        st.success(f"**{t('lesson.takeaways')}**\n\n" + "\n".join(f"- {x}" for x in lesson.meta.takeaways),
                   icon=":material/lightbulb:")
    _sources(lesson)


def _marks(lesson: Lesson) -> None:
    """Under the title: 任意 and 元記事の範囲外の追加レッスン, as badges with one sentence each."""
    badges = lesson_badges(lesson).strip()
    if not badges:
        return
    notes = []
    if not counts_for_completion(lesson.meta):
        notes.append(t("lesson.optional_note"))
    if lesson.meta.beyond_source:
        notes.append(t("lesson.beyond_source_note"))
    st.markdown(badges)
    st.caption(" ".join(notes))


def _practice(lesson: Lesson) -> None:
    """やってみよう (with a link that opens the sandbox with the prompt filled in) and ふりかえり."""
    practice = lesson.meta.practice
    if practice is not None:
        with st.container(border=True):
            st.subheader(t("lesson.practice", minutes=practice.minutes), anchor="practice")
            st.markdown(practice.task)
            if practice.prompt:
                st.page_link(routes.page(routes.SANDBOX_CHAT), label=t("lesson.practice_open"), icon=":material/science:",
                             query_params={"prompt": practice.prompt, "mode": practice.mode})
    if lesson.meta.reflection:
        st.info(f"**{t('lesson.reflection')}**\n\n{lesson.meta.reflection}", icon=":material/psychology:")


def _sources(lesson: Lesson) -> None:
    if not lesson.meta.sources and not lesson.meta.as_of:
        return
    lines = [f"**{t('lesson.sources')}**"] if lesson.meta.sources else []
    lines += [f"- {x}" for x in lesson.meta.sources]
    if lesson.meta.as_of:
        lines.append(t("lesson.as_of", date=year_month(lesson.meta.as_of)))
    st.caption("\n".join(lines))


def _model_table(lesson: Lesson) -> None:
    table = content.model_table()
    if table is None:
        st.caption(t("lesson.models_unavailable"))
        return
    access = {"cloud": t("lesson.models.cloud"), "open-weights": t("lesson.models.open")}
    disclosure = {value: t(f"lesson.models.disclosure.{key}") for value, key in DISCLOSURE_KEYS.items()}
    rows = [f"| {t('lesson.models.col.name')} | {t('lesson.models.col.developer')} | {t('lesson.models.col.released')} "
            f"| {t('lesson.models.col.access')} | {t('lesson.models.col.parameters')} |", "|---|---|---|---|---|"]
    for m in table.models:
        rows.append(f"| {m.name} | {m.developer} | {year_month(m.released)} | {access[m.access]} "
                    f"| {t('lesson.models.parameters', value=m.parameters, disclosure=disclosure[m.disclosure])} |")
    st.markdown(f"**{t('lesson.models.title', date=year_month(table.as_of))}**\n\n" + "\n".join(rows))
    st.caption(table.note + "\n\n" + t("lesson.sources") + ": " + " / ".join(table.sources))


def _overview(lesson: Lesson) -> str:
    """Objectives, then the contents as one line of links to the sections: one element."""
    text = f"**{t('lesson.objectives')}**\n\n" + "\n".join(f"- {o}" for o in lesson.meta.objectives)
    if len(lesson.sections) > 1:
        links = t("common.separator").join(f"[{i}. {s.title}](#{s.id})" for i, s in enumerate(lesson.sections, 1))
        text += f"\n\n**{t('lesson.toc')}**\n\n{links}"
    return text


def render_body(lesson: Lesson) -> None:
    """Markdown without raw HTML (Streamlit escapes it), diagrams and widgets in place."""
    for block in lesson.blocks:
        if block.kind == "heading":
            st.header(block.text, anchor=block.section_id, divider="gray")
        elif block.kind == "markdown":
            st.markdown(block.text)
        elif block.kind == "dot":
            st.graphviz_chart(block.text)
        elif block.kind == "widget":
            WIDGETS[block.text](lesson)
        elif block.kind == "image":
            _image(block)


def _image(block: Block) -> None:
    """An uploaded image by name, as st.image (bytes from the database, never HTML)."""
    with state.db(readonly=True) as session:
        data = images.image_for_lesson(session, state.current_user(), block.text)
    if data is None:
        st.caption(t("lesson.image_missing", name=block.text))
    else:
        st.image(data, caption=block.alt or None)  # checked as decodable when it was uploaded


@st.fragment
def _memory_calculator(lesson: Lesson) -> None:
    """Changing a value reruns only this fragment, not the whole lesson page."""
    with st.container(border=True):
        st.markdown(f"**{t('calc.title')}**")
        with st.container(horizontal=True):
            params = st.number_input(t("calc.parameters"), min_value=0.1, max_value=5000.0, value=8.0, step=1.0,
                                     help=t("calc.parameters.help"), key=f"calc-p-{lesson.id}")
            precision = st.selectbox(t("calc.precision"), list(memory.BYTES_PER_PARAMETER), index=1,
                                     key=f"calc-q-{lesson.id}",
                                     format_func=lambda p: t("calc.precision.option", p=p, b=memory.BYTES_PER_PARAMETER[p]))
        need = memory.weights_gb(params, precision)
        st.metric(t("calc.result"), f"{need:,.0f} GB")
        # a Markdown table: five fixed rows need no interactive grid (st.dataframe costs ~10x more per rerun);
        # the note below it in the same element
        rows = [f"| {t('calc.col.gpu')} | {t('calc.col.memory')} | {t('calc.col.verdict')} |", "|---|--:|---|"]
        for fit in memory.fits(need):
            verdict = t("calc.tight") if fit.tight else (t("calc.fits") if fit.fits else t("calc.no"))
            rows.append(f"| {fit.gpu.label()} | {fit.gpu.memory_gb:,.0f} GB | {verdict} |")
        st.markdown("\n".join(rows) + f"\n\n:small[:gray[{t('calc.note')}]]")


def _sandbox_link(lesson: Lesson, grounded: bool = False) -> None:
    label = t("lesson.sandbox_rag") if grounded else t("lesson.sandbox")
    st.button(label, icon=":material/science:", key=f"sandbox-{lesson.id}-{grounded}", on_click=routes.go_on_click,
              args=(routes.SANDBOX_CHAT,), kwargs={"mode": "grounded" if grounded else "chat"})


WIDGETS = {
    "memory-calculator": _memory_calculator,
    "sandbox-link": _sandbox_link,
    "sandbox-link-rag": lambda lesson: _sandbox_link(lesson, grounded=True),
    "model-table": _model_table,
}

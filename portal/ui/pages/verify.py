"""修了証の確認 (/verify): anyone with a certificate's code checks that it is genuine and still
valid. Public (also signed out): the code is printed on the certificate."""

from __future__ import annotations

import streamlit as st

from portal.certificates.service import CertificateError, describe, verify
from portal.i18n import t
from portal.ui import state


def render() -> None:
    st.title(t("certificates.verify.title"))
    st.caption(t("certificates.verify.lead"))
    with st.form("verify_form", border=False):
        typed = st.text_input(t("certificates.verify.input"), value=st.query_params.get("code", ""),
                              placeholder="XXXX-XXXX-XXXX-XXXX", key="verify_code")
        pressed = st.form_submit_button(t("certificates.verify.button"), type="primary")
    if not (pressed or st.query_params.get("code")):
        return
    try:
        with state.db(readonly=True) as session:
            result = verify(session, typed)
    except CertificateError as exc:
        st.error(str(exc))
        return
    if result.valid:
        st.success(describe(result), icon=":material/verified:")
    else:
        st.error(describe(result), icon=":material/gpp_bad:")

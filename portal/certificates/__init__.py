"""Completion certificates: issue (one live certificate per learner, its text kept as issued),
render as PDF with an embedded Japanese font, verify a code. No Streamlit here."""

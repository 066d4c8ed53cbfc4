"""Operations: readiness check, JSON logs, SQLite backup / restore, the reverse-proxy config for
several replicas. Plain Python, importable without Streamlit (except where a Streamlit logger is
reconfigured, which only touches the `logging` module)."""

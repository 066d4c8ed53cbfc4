# AI Literacy Portal: one replica of the web app (see README "Deploying" and compose.yaml).
# Build:  docker build -t ai-literacy-portal .
# The image holds no secret and no default password: settings come from the environment
# (PORTAL_*, DATABASE_URL, STREAMLIT_SERVER_COOKIE_SECRET) at run time.

# ---- build stage: the portal as a wheel (only the package; the lessons are copied below)
FROM python:3.11-slim-bookworm AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY portal ./portal
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

# ---- runtime stage
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORTAL_HOME=/app \
    PORTAL_DATA_DIR=/data \
    PORTAL_LOG_FORMAT=json
RUN groupadd --system --gid 10001 portal \
 && useradd --system --uid 10001 --gid portal --home-dir /app --no-create-home --shell /usr/sbin/nologin portal
COPY --from=build /wheels /wheels
# the wheel's dependencies (pyproject.toml) come from the package index; the wheel itself is ours
RUN pip install --no-cache-dir /wheels/*.whl && rm -rf /wheels
WORKDIR /app
COPY content ./content
COPY quizzes ./quizzes
COPY migrations ./migrations
COPY .streamlit/config.toml ./.streamlit/config.toml
RUN mkdir /data && chown 10001:10001 /data
USER 10001:10001
VOLUME ["/data"]
EXPOSE 8501
# liveness: Streamlit's own health route (readiness, with the database: /_portal/ready)
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8501/_stcore/health', timeout=4).status != 200)"]
ENTRYPOINT ["portal"]
CMD ["run", "--server.port", "8501", "--server.address", "0.0.0.0"]

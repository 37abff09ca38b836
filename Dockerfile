# syntax=docker/dockerfile:1
# Build stage: a virtual environment with spamschutz and its dependencies.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml README.md ./
COPY service ./service
COPY model ./model
COPY training ./training
COPY spamschutz ./spamschutz
RUN /opt/venv/bin/pip install .

# Runtime stage: the virtual environment only, a non-root user, the starter model built in.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPAMSCHUTZ_DATA_DIR=/var/lib/spamschutz
COPY --from=build /opt/venv /opt/venv
RUN useradd --system --uid 10001 --home-dir /var/lib/spamschutz spamschutz \
    && mkdir -p /var/lib/spamschutz && chown spamschutz /var/lib/spamschutz
USER spamschutz
WORKDIR /var/lib/spamschutz
# The starter model is trained at build time, so the container needs no network and no wait.
RUN spamschutz models bootstrap && rm -f /var/lib/spamschutz/secret_key
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz').status != 200)"
ENTRYPOINT ["spamschutz", "serve", "--host", "0.0.0.0", "--port", "8000"]

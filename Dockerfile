# syntax=docker/dockerfile:1
# Build stage: a virtual environment with spamschutz and its dependencies, and the starter
# model trained once, at build time.
FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
RUN python -m venv /opt/venv
# The files CI installs from too (tests/test_container.py builds the same environment).
COPY pyproject.toml README.md LICENSE NOTICE ./
COPY service ./service
COPY model ./model
COPY training ./training
COPY spamschutz ./spamschutz
RUN /opt/venv/bin/pip install .
# Train the starter model into /opt/spamschutz/model with a throw-away SQLite catalog; at run
# time 'serve' registers this artefact (by hash) in whatever database it uses, PostgreSQL
# included, instead of training again.
RUN SPAMSCHUTZ_DATA_DIR=/tmp/bake SPAMSCHUTZ_MODEL_DIR=/opt/spamschutz/model \
    /opt/venv/bin/spamschutz models bootstrap && rm -rf /tmp/bake

# Runtime stage: the virtual environment and the model only, run by a non-root user.
FROM python:3.11-slim AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    SPAMSCHUTZ_ENV=production \
    SPAMSCHUTZ_HOST=0.0.0.0 \
    SPAMSCHUTZ_PORT=8000 \
    SPAMSCHUTZ_DATA_DIR=/var/lib/spamschutz \
    SPAMSCHUTZ_BAKED_MODEL_DIR=/opt/spamschutz/model
# Owned by root and read-only for the service: the code and the baked model cannot be changed
# by the process that runs them.
COPY --from=build /opt/venv /opt/venv
COPY --from=build /opt/spamschutz/model /opt/spamschutz/model
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/spamschutz spamschutz \
    && mkdir -p /var/lib/spamschutz /var/lib/spamschutz-models \
    && chown spamschutz:spamschutz /var/lib/spamschutz /var/lib/spamschutz-models
VOLUME ["/var/lib/spamschutz"]
USER spamschutz
WORKDIR /var/lib/spamschutz
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status != 200)"]
# Configuration comes from SPAMSCHUTZ_* variables only. Migrations: 'spamschutz db upgrade'
# (see compose.yaml's migrate service); serve only upgrades the embedded SQLite file.
ENTRYPOINT ["spamschutz"]
CMD ["serve"]

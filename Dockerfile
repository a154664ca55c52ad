# One groupcast node. Alone it runs on the embedded store in the /data volume;
# docker-compose.yml runs two of them on Redis.
#
# The packages are exactly uv.lock's (hashes checked, no dev group, no extras), installed by
# the uv version pyproject.toml pins, into /opt/groupcast; the node runs as uid 10001.

FROM python:3.11-slim AS build

# The same uv as `make` uses (pyproject.toml: tool.uv.required-version; a test keeps them equal).
ARG UV_VERSION=0.13.9
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/opt/groupcast \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
RUN pip install "uv==${UV_VERSION}"

WORKDIR /src
# Dependencies first: this layer is rebuilt only when the lock changes.
# README.md is the package's long description (pyproject.toml: readme).
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY protocol ./protocol
COPY server ./server
RUN uv sync --locked --no-dev --no-editable


FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/groupcast/bin:$PATH \
    GROUPCAST_DATA_DIR=/data

RUN groupadd --system --gid 10001 groupcast \
    && useradd --system --uid 10001 --gid groupcast --home-dir /data --no-create-home groupcast \
    && mkdir -p /data \
    && chown groupcast:groupcast /data

# The virtualenv, with groupcast itself installed (not editable): no sources needed.
COPY --from=build /opt/groupcast /opt/groupcast

USER 10001:10001
WORKDIR /data
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

CMD ["groupcast", "serve", "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data"]

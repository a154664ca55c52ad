# One groupcast node. Alone it runs on the embedded store in the /data volume;
# docker-compose.yml runs two of them on Redis.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GROUPCAST_DATA_DIR=/data

RUN groupadd --system groupcast \
    && useradd --system --gid groupcast --home-dir /app --no-create-home groupcast \
    && mkdir -p /data \
    && chown groupcast:groupcast /data

WORKDIR /app
# README.md is the package's long description (pyproject.toml: readme).
COPY pyproject.toml README.md ./
COPY protocol ./protocol
COPY server ./server
RUN pip install . && rm -rf build *.egg-info

USER groupcast
VOLUME /data
EXPOSE 8080

HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]

CMD ["groupcast", "serve", "--host", "0.0.0.0", "--port", "8080", "--data-dir", "/data"]

# cnnviz for a school server: nginx + one Streamlit process per core (deploy/serve.sh), one port.
# UNTESTED here: the machine this was written on has no Docker daemon. `make serve` runs the
# same script and was measured (README "One person, or a class").
FROM python:3.11-slim-bookworm

RUN apt-get update \
    && apt-get install -y --no-install-recommends nginx-light curl bubblewrap \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir -r requirements.txt
COPY . .

# Checking students' code is off on a shared server (cnnviz/check/switch.py; README "Check your own code").
ENV HOST=0.0.0.0 PORT=8080 PY=/app/.venv/bin/python CNNVIZ_CHECK_CODE=off CNNVIZ_SERVE_CHECK_CODE=off
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fs http://127.0.0.1:8080/_stcore/health || exit 1
# WORKERS defaults to the container's core count (nproc); set it in compose.yaml to pin it.
STOPSIGNAL SIGTERM
CMD ["bash", "deploy/serve.sh"]

#!/usr/bin/env bash
# `make serve WORKERS=N`: N Streamlit processes on loopback ports behind nginx on one public port.
# Each worker is started, waited for (/_stcore/health) and warmed (every page opened once over the
# websocket) before nginx accepts anyone. Ctrl-C (or SIGTERM) stops nginx and every worker.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PY=${PY:-$ROOT/.venv/bin/python}
WORKERS=${WORKERS:-$(nproc)}
HOST=${HOST:-0.0.0.0}          # the one public address (a class connects here)
PORT=${PORT:-8080}
BASE_PORT=${BASE_PORT:-$((PORT + 100))}
RUN=$ROOT/.run/serve-$PORT
# A class shares this server: "Check your own code" (it runs code typed into the page) is off here,
# whatever CNNVIZ_CHECK_CODE the calling shell has (CI exports `on` for its tests). A person who runs a
# server for others and accepts bubblewrap as the boundary sets CNNVIZ_SERVE_CHECK_CODE=remote (README).
export CNNVIZ_CHECK_CODE=${CNNVIZ_SERVE_CHECK_CODE:-off}
mkdir -p "$RUN"
PIDS=()

if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "nginx not found: installing Debian's package (needs root)"
  apt-get install -y nginx-light || apt-get install -y nginx
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

stop() {
  trap - INT TERM EXIT
  echo "stopping nginx and ${#PIDS[@]} workers"
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do  # workers are not this shell's children (started in $(...)): poll
    alive=0; for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.2
  done
  rm -f "$ROOT/.run/serve-$PORT.pids"
}
trap 'stop; exit 130' INT TERM
trap stop EXIT

# No file watcher: an edited source file would be dropped from sys.modules under live sessions
# (KeyError: 'cnnviz.draw' seen while a class ran and someone saved a file).
start_worker() {  # $1 = port; echoes the pid
  "$PY" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 --server.port "$1" \
    --browser.gatherUsageStats false --server.fileWatcherType none --server.runOnSave false >"$RUN/worker-$1.log" 2>&1 &
  echo $!
}

healthy() { curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$1/_stcore/health"; }

UPSTREAMS=""
for ((k = 0; k < WORKERS; k++)); do
  port=$((BASE_PORT + k))
  PIDS+=("$(start_worker "$port")")
  UPSTREAMS+="        server 127.0.0.1:$port max_fails=2 fail_timeout=10s;"$'\n'
done
for ((k = 0; k < WORKERS; k++)); do
  port=$((BASE_PORT + k))
  for _ in $(seq 1 300); do healthy "$port" && break; sleep 0.3; done
  healthy "$port" || { echo "worker on port $port did not start; see $RUN/worker-$port.log"; exit 1; }
  "$PY" -c "import asyncio, sys; from bench.bench_classroom import warm_pages; sys.exit(asyncio.run(warm_pages('http://127.0.0.1:$port')))"
done

export UPSTREAMS
sed -e "s|@PORT@|$PORT|; s|@HOST@|$HOST|; s|@RUN@|$RUN|g" deploy/nginx.conf.template \
  | awk -v ups="$UPSTREAMS" '{ if ($0 == "@UPSTREAMS@") printf "%s", ups; else print }' >"$RUN/nginx.conf"
"$NGINX" -t -q -c "$RUN/nginx.conf" -p "$RUN" 2>&1 | grep -v "could not open error log" || true
"$NGINX" -c "$RUN/nginx.conf" -p "$RUN" -e "$RUN/nginx-error.log" &
PIDS+=("$!")
echo "${PIDS[@]}" >"$ROOT/.run/serve-$PORT.pids"
echo "cnnviz: $WORKERS workers behind nginx on http://$HOST:$PORT (Ctrl-C stops all)"

# Health: a worker that stops answering /_stcore/health is restarted on its port (nginx skips it meanwhile).
while true; do
  sleep 5
  for ((k = 0; k < WORKERS; k++)); do
    port=$((BASE_PORT + k))
    if ! kill -0 "${PIDS[$k]}" 2>/dev/null; then
      echo "worker on port $port died; restarting"
      PIDS[k]=$(start_worker "$port")
      echo "${PIDS[@]}" >"$ROOT/.run/serve-$PORT.pids"
    fi
  done
  kill -0 "${PIDS[-1]}" 2>/dev/null || { echo "nginx exited; see $RUN/nginx-error.log"; exit 1; }
done

"""A classroom on one server: N simulated students speaking Streamlit's own websocket protocol.

`python -m bench classroom --users N --seconds S [--url URL] [--pages a,b] [--workers K]`

Each student is what the browser's frontend is to the server: a websocket on /_stcore/stream
carrying protobuf BackMsg (rerun_script with a ClientState: page, query string, every widget's
state) and ForwardMsg back (new_session, deltas, script_finished). A student opens a lesson, reads
the widget ids from the deltas (a keyed widget's id ends in "-<key>"), and every 1-3 s moves one of
f / stride / pad by one step, sending every widget's state as the frontend does. Latency is
interaction sent -> script_finished. An exception element in any delta is an error.

Bounded: at most --users (<= 200) students for --seconds (<= 600), loopback addresses only.
Without --url it starts `streamlit run app.py` itself on a free loopback port (one process), or
`deploy/serve.sh` with --workers K (nginx in front), and reports the server's RSS and CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).parents[1]
MOVED = ("f", "stride", "pad")  # the lesson settings a student moves
DEFAULT_PAGES = ("convolution", "pooling", "conv_backward", "pool_backward", "zero_padding")
HEAVY_PAGES = ("conv_backward", "feature_maps")
MAX_USERS, MAX_SECONDS = 200, 600
ANSWER_TIMEOUT_S = 60.0


@dataclass
class Tally:
    """What all students saw: one latency per answered interaction, errors with their text."""

    latencies: list[float] = field(default_factory=list)
    first_paint: list[float] = field(default_factory=list)
    sent: int = 0
    answered: int = 0
    errors: list[str] = field(default_factory=list)
    shown_errors: int = 0  # st.error boxes (InputError: settings a person must change), not failures
    moved: int = 0


def _widget_state(element) -> object | None:  # noqa: ANN001 - a streamlit.proto Element
    """The WidgetState the frontend would send for this element's current value, or None."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    kind = element.WhichOneof("type")
    w = getattr(element, kind, None) if kind else None
    if kind not in ("slider", "number_input", "radio", "selectbox", "checkbox"):
        return None
    state = WidgetState(id=w.id)
    if kind == "slider" and w.options:  # st.select_slider: indices in the proto, labels in the state
        picked = list(w.value) if w.set_value else list(w.default)
        state.string_array_value.data.extend(w.options[int(k)] for k in picked)
    elif kind == "slider":
        state.double_array_value.data.extend(list(w.value) if w.set_value else list(w.default))
    elif kind == "number_input":
        state.double_value = w.value if w.set_value else w.default
    elif kind in ("radio", "selectbox"):
        if w.set_value and w.HasField("raw_value"):
            state.string_value = w.raw_value
        elif w.HasField("default") and w.options:
            state.string_value = w.options[w.default]
        else:
            return None
    elif kind == "checkbox":
        state.bool_value = w.value if w.set_value else w.default
    return state


def _move(element, rng: random.Random) -> object | None:  # noqa: ANN001
    """A copy of this slider/number_input's state moved by one step inside its range."""
    state = _widget_state(element)
    kind = element.WhichOneof("type")
    w = getattr(element, kind)
    if kind == "slider" and not w.options:
        (value,) = state.double_array_value.data[:1] or [w.min]
        choices = [v for v in (value - w.step, value + w.step) if w.min <= v <= w.max]
        if not choices:
            return None
        del state.double_array_value.data[:]
        state.double_array_value.data.append(rng.choice(choices))
    elif kind == "number_input":
        lo = w.min if w.has_min else -1e9
        hi = w.max if w.has_max else 1e9
        choices = [v for v in (state.double_value - w.step, state.double_value + w.step) if lo <= v <= hi]
        if not choices:
            return None
        state.double_value = rng.choice(choices)
    else:
        return None
    return state


def photo_jpeg(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG (smooth shapes plus noise), what a phone photo upload costs the server."""
    import io

    import numpy as np
    from PIL import Image

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = 127 + 60 * np.sin(xx / 97) * np.cos(yy / 61) + np.random.default_rng(0).normal(0, 12, (height, width))
    rgb = np.stack([base, base[::-1], base[:, ::-1]], axis=2).clip(0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=85)
    return out.getvalue()


def _cookies(url: str) -> dict[str, str]:
    """The cookies a browser holds after its first request: Streamlit's _streamlit_xsrf (the frontend
    echoes it as X-Xsrftoken) and, behind `make serve`, nginx's cnnviz_worker (which worker is ours)."""
    cookies: dict[str, str] = {}
    with urllib.request.urlopen(url + "/_stcore/health", timeout=10) as reply:
        for header in reply.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
    return cookies


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{name}={value}" for name, value in cookies.items())


def _put_file(url: str, upload_url: str, data: bytes, name: str, cookies: dict[str, str]) -> int:
    """PUT one file as the frontend does (multipart field "file", XSRF header + cookies); HTTP status."""
    boundary = "cnnvizbench" + os.urandom(8).hex()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    target = upload_url if upload_url.startswith("http") else url + upload_url
    request = urllib.request.Request(target, data=body, method="PUT")
    request.add_header("Content-Type", f"multipart/form-data; boundary={boundary}")
    if cookies.get("_streamlit_xsrf"):
        request.add_header("X-Xsrftoken", cookies["_streamlit_xsrf"])
    if cookies:
        request.add_header("Cookie", _cookie_header(cookies))
    with urllib.request.urlopen(request, timeout=60) as reply:
        return reply.status


async def student(
    n: int, url: str, page: str, until: float, tally: Tally, rng: random.Random, upload: bytes | None = None
) -> None:
    """One student: open `page` (upload `upload` there if given), move f/stride/pad every 1-3 s until `until`."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    parsed = urlparse(url)
    ws_url = f"ws://{parsed.netloc}{parsed.path.rstrip('/')}/_stcore/stream"
    current: dict[str, object] = {}  # widget id -> its element (last finished run)
    building: dict[str, object] = {}
    finished = asyncio.Event()
    file_urls: asyncio.Queue = asyncio.Queue()
    session: dict[str, str] = {}

    async def receive(ws) -> None:  # noqa: ANN001
        nonlocal current, building
        async for raw in ws:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":
                building = {}
                session["id"] = msg.new_session.initialize.session_id
            elif kind == "file_urls_response":
                await file_urls.put(msg.file_urls_response)
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                etype = element.WhichOneof("type")
                if etype == "exception":
                    ex = element.exception
                    tally.errors.append(f"student {n} on {page}: {ex.type}: {ex.message}"[:300])
                elif etype == "alert" and element.alert.format == 1:  # ERROR
                    tally.shown_errors += 1
                w = getattr(element, etype, None) if etype else None
                wid = getattr(w, "id", "") if w is not None else ""
                if wid:
                    building[wid] = element
            elif kind == "script_finished" and msg.script_finished in (
                ForwardMsg.FINISHED_SUCCESSFULLY,
                ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
            ):
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    tally.errors.append(f"student {n} on {page}: compile error")
                current = building
                finished.set()

    def rerun(states: list[object]) -> bytes:
        back = BackMsg()
        cs = back.rerun_script
        cs.page_name = page
        cs.query_string = ""
        cs.widget_states.widgets.extend(states)
        return back.SerializeToString()

    async def answered(states: list[object]) -> float:
        finished.clear()
        start = time.monotonic()
        tally.sent += 1
        await ws.send(rerun(states))
        await asyncio.wait_for(finished.wait(), ANSWER_TIMEOUT_S)
        tally.answered += 1
        return time.monotonic() - start

    def states_now() -> dict[str, object]:
        return {wid: _widget_state(el) for wid, el in current.items()}

    async def upload_photo() -> None:
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        source = next((w for w in current if w.endswith("-source")), None)
        if source is None:
            raise RuntimeError("no Input source radio on the page")
        states = states_now()
        states[source].string_value = "upload"
        tally.latencies.append(await answered([s for s in states.values() if s is not None]))
        uploader = next((w for w in current if w.endswith("-upload_widget")), None)
        if uploader is None:
            raise RuntimeError("no file uploader after choosing Input: upload")
        back = BackMsg()
        back.file_urls_request.request_id = f"bench-{n}"
        back.file_urls_request.file_names.append("photo.jpg")
        back.file_urls_request.session_id = session.get("id", "")
        await ws.send(back.SerializeToString())
        response = await asyncio.wait_for(file_urls.get(), ANSWER_TIMEOUT_S)
        urls = response.file_urls[0]
        await asyncio.to_thread(_put_file, url, urls.upload_url, upload, "photo.jpg", cookies)
        states = states_now()
        state = WidgetState(id=uploader)
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = urls.file_id, "photo.jpg", len(upload)
        info.file_urls.CopyFrom(urls)
        states[uploader] = state
        tally.latencies.append(await answered([s for s in states.values() if s is not None]))

    cookies = await asyncio.to_thread(_cookies, url)  # as a browser: the page first, then the websocket
    headers = {"Cookie": _cookie_header(cookies)} if cookies else None
    async with websockets.connect(
        ws_url,
        subprotocols=["streamlit"],
        max_size=64 * 2**20,
        open_timeout=60,
        ping_interval=None,
        additional_headers=headers,
    ) as ws:
        reader = asyncio.create_task(receive(ws))
        try:
            start = time.monotonic()
            finished.clear()
            tally.sent += 1
            await ws.send(rerun([]))
            await asyncio.wait_for(finished.wait(), ANSWER_TIMEOUT_S)
            tally.answered += 1
            tally.first_paint.append(time.monotonic() - start)
            if upload is not None:
                await upload_photo()
            while time.monotonic() < until:
                await asyncio.sleep(rng.uniform(1.0, 3.0))
                if time.monotonic() >= until:
                    break
                states = {wid: _widget_state(el) for wid, el in current.items()}
                movable = [wid for wid in current if any(wid.endswith(f"-{key}") for key in MOVED)]
                moved = None
                for wid in rng.sample(movable, len(movable)):
                    moved = _move(current[wid], rng)
                    if moved is not None:
                        states[wid] = moved
                        tally.moved += 1
                        break
                finished.clear()
                start = time.monotonic()
                tally.sent += 1
                await ws.send(rerun([s for s in states.values() if s is not None]))
                await asyncio.wait_for(finished.wait(), ANSWER_TIMEOUT_S)
                tally.answered += 1
                tally.latencies.append(time.monotonic() - start)
        except TimeoutError:
            tally.errors.append(f"student {n} on {page}: no script_finished within {ANSWER_TIMEOUT_S:.0f} s")
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader


async def classroom(
    url: str, users: int, seconds: float, pages: tuple[str, ...], seed: int = 0, upload: bytes | None = None
) -> Tally:
    """All students at once, each on a page from `pages`; on feature_maps each uploads `upload` if given."""
    tally = Tally()
    until = time.monotonic() + seconds
    rng = random.Random(seed)
    tasks = []
    for n in range(users):
        page = pages[n % len(pages)]
        photo = upload if page == "feature_maps" else None
        tasks.append(student(n, url, page, until, tally, random.Random(rng.random()), photo))
    results = await asyncio.gather(*tasks, return_exceptions=True)
    for n, result in enumerate(results):
        if isinstance(result, BaseException):
            tally.errors.append(f"student {n}: {type(result).__name__}: {result}"[:300])
    return tally


async def warm_pages(url: str) -> int:
    """Open every page once (imports done, shared caches filled); 0 if nothing raised, else 1."""
    from cnnviz.app import registry

    pages = tuple(page.key for page in registry.PAGES)
    tally = await classroom(url, len(pages), 0, pages)
    for error in tally.errors:
        print("warm-up:", error, file=sys.stderr)
    return 1 if tally.errors else 0


# --- the server under test ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen | None = None, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if (proc is not None and proc.poll() is not None) or time.monotonic() > deadline:
            raise RuntimeError(f"server at {url} did not become healthy")
        time.sleep(0.3)


@contextlib.contextmanager
def streamlit_process(extra: list[str] | None = None) -> Iterator[tuple[str, list[int]]]:
    """`streamlit run app.py` on 127.0.0.1:<free port>; yields (url, [pid]); stops it by its pid."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.headless", "true"]
    cmd += ["--server.address", "127.0.0.1", "--server.port", str(port), "--server.fileWatcherType", "none"]
    cmd += extra or []  # no watcher: a file saved meanwhile must not reload modules under the class
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
        yield url, [proc.pid]
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextlib.contextmanager
def served(workers: int) -> Iterator[tuple[str, list[int]]]:
    """`deploy/serve.sh` (nginx + `workers` Streamlit processes); yields (url, worker pids)."""
    port = free_port()
    env = {**os.environ, "WORKERS": str(workers), "PORT": str(port), "HOST": "127.0.0.1"}
    proc = subprocess.Popen(
        ["bash", str(ROOT / "deploy" / "serve.sh")], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc, timeout=180)
        pids_file = ROOT / ".run" / f"serve-{port}.pids"
        pids = [int(p) for p in pids_file.read_text().split()] if pids_file.exists() else []
        yield url, pids
    finally:
        proc.send_signal(signal.SIGTERM)  # the script traps INT (Ctrl-C) and TERM alike: stops all
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def rss_mb(pids: list[int]) -> float | None:
    """Sum of VmRSS of `pids` in MB, or None if unreadable."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            return None
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"--url must be a loopback address (127.0.0.1, localhost), not {host!r}")


def quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run(
    url: str,
    pids: list[int],
    users: int,
    seconds: float,
    pages: tuple[str, ...],
    linger: float,
    label: str,
    upload: bytes | None = None,
) -> Tally:
    """Warm the server with one visit per page, run the class, print one line of results."""
    asyncio.run(classroom(url, 1, 0, pages))  # every page once: what a warmed server has seen
    warm = rss_mb(pids)
    cpu0, t0, client0 = cpu_seconds(pids), time.monotonic(), time.process_time()
    peak = warm or 0.0
    sampling = True

    async def main() -> Tally:
        nonlocal peak

        async def sample() -> None:
            nonlocal peak
            while sampling:
                peak = max(peak, rss_mb(pids) or 0.0)
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        try:
            return await classroom(url, users, seconds, pages, upload=upload)
        finally:
            nonlocal_stop()
            await sampler

    def nonlocal_stop() -> None:
        nonlocal sampling
        sampling = False

    tally = asyncio.run(main())
    cpu = (cpu_seconds(pids) - cpu0) / max(time.monotonic() - t0, 1e-9) * 100
    after = rss_mb(pids)
    returned = None
    if linger > 0:
        time.sleep(linger)
        returned = rss_mb(pids)
    lat = tally.latencies
    print(
        f"{label:<28}{users:>6}{len(lat):>7}{tally.moved:>7}{quantile(lat, 0.5):>8.2f}{quantile(lat, 0.95):>8.2f}"
        f"{(max(lat) if lat else float('nan')):>8.2f}{quantile(tally.first_paint, 0.95):>9.2f}"
        f"{len(tally.errors):>7}{tally.sent - tally.answered:>7}{cpu:>6.0f}%"
        f"{_mb(warm):>8}{_mb(peak):>8}{_mb(after):>8}{_mb(returned):>9}",
        flush=True,
    )
    load = Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else []
    client = (time.process_time() - client0) / max(time.monotonic() - t0, 1e-9) * 100
    print(
        f"   load generator CPU {client:.0f} % of a core; machine load average (1/5/15 min) at the end: "
        f"{' '.join(load)} on {os.cpu_count()} cores"
    )
    for error in tally.errors[:5]:
        print("   error:", error)
    return tally


def _mb(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


HEADER = (
    f"{'server':<28}{'users':>6}{'answrd':>7}{'moved':>7}{'p50 s':>8}{'p95 s':>8}{'max s':>8}{'open p95':>9}"
    f"{'errors':>7}{'unans':>7}{'cpu':>7}{'warm MB':>8}{'peak MB':>8}{'end MB':>8}{'+linger':>9}"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench classroom", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--url", help="an already running server (loopback only); default: start one")
    parser.add_argument("--workers", type=int, default=0, help="start deploy/serve.sh with this many workers")
    parser.add_argument(
        "--pages", default=",".join(DEFAULT_PAGES), help="lesson keys, or 'heavy' (conv_backward + a 4000x3000 upload)"
    )
    parser.add_argument("--linger", type=float, default=0, help="seconds to wait after leaving, then RSS again")
    parser.add_argument("--set", action="append", default=[], help="streamlit option for the started server")
    args = parser.parse_args(argv or [])
    users = max(1, min(args.users, MAX_USERS))
    seconds = max(1.0, min(args.seconds, MAX_SECONDS))
    pages = HEAVY_PAGES if args.pages == "heavy" else tuple(p for p in args.pages.split(",") if p)
    upload = photo_jpeg() if "feature_maps" in pages and args.pages == "heavy" else None
    print(HEADER)
    extra = [f"--{opt}" if i % 2 == 0 else opt for o in args.set for i, opt in enumerate(o.split("=", 1))]
    if args.url:
        check_loopback(args.url)
        run(args.url.rstrip("/"), [], users, seconds, pages, args.linger, "given url", upload)
    elif args.workers:
        with served(args.workers) as (url, pids):
            run(url, pids, users, seconds, pages, args.linger, f"serve {args.workers} workers", upload)
    else:
        with streamlit_process(extra) as (url, pids):
            label = "1 process " + " ".join(o.rsplit(".", 1)[-1] for o in args.set)
            run(url, pids, users, seconds, pages, args.linger, label[:27], upload)


if __name__ == "__main__":
    main(sys.argv[1:])

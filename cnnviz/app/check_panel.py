"""The "Check your code" panel (issue 12): paste or upload a function, run it sandboxed, see where it differs.

A page calls `render(function_name, inputs, ...)` once, near its end. The Check button's callback runs
the check before the next script run, so the page's player (drawn earlier) gets the marks from
`marks(page)` and opens the first differing window (st.session_state["step"]).
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from typing import Any

import streamlit as st

from cnnviz.check import boundary, checker, slots, switch
from cnnviz.core.errors import InputError


def _session() -> tuple[dict | None, str | None]:
    """This session's request headers and client address (None where Streamlit has none, as in AppTest)."""
    try:
        headers = dict(st.context.headers or {})
    except Exception:  # noqa: BLE001 -- no request context: not a browser session
        headers = None
    try:
        ip = getattr(st.context, "ip_address", None)
    except Exception:  # noqa: BLE001
        ip = None
    return headers, ip if isinstance(ip, str) else None  # AppTest's is a mock


def is_on() -> bool:
    """Checking runs students' code: see cnnviz.check.switch (env off > remote session > env on > bind address)."""
    headers, ip = _session()
    return switch.enabled(st.get_option("server.address"), os.environ.get(switch.ENV), headers, ip)


def marks(page: str) -> dict | None:
    """The marks of the last check made on `page` (for the player), or None.

    Besides "differs", "seek" = {"step": 0-based step of the first differing window, "check": n} changes
    with every check, so that a player can open that step even when its board stayed the same.
    """
    report = st.session_state.get(f"check/{page}/report")
    if report is None or not report.marks:
        return None
    out = dict(report.marks)
    if report.first is not None:
        out["seek"] = {"step": int(report.first["step"]), "check": int(st.session_state.get(f"check/{page}/n", 0))}
    return out


def _run(page: str, function: str, inputs: dict[str, Any], ties: str, i: int, c: int) -> None:
    key = f"check/{page}"
    upload = st.session_state.get(f"{key}/file")
    text, filename = st.session_state.get(f"{key}/code", ""), "pasted code"
    if upload is not None:
        text, filename = upload.getvalue().decode("utf-8", "replace"), upload.name
    st.session_state[f"{key}/error"] = None
    st.session_state[f"{key}/report"] = None
    session = st.session_state.setdefault("check/session", uuid.uuid4().hex)
    inputs = {**inputs, "course_version": st.session_state.get("version")}  # the notebook of the course cases
    try:
        report = checker.check(function, text, inputs, filename, ties, i, c, session=session)
    except InputError as err:
        st.session_state[f"{key}/error"] = str(err)
        return
    st.session_state[f"{key}/report"] = report
    st.session_state[f"{key}/n"] = st.session_state.get(f"{key}/n", 0) + 1
    if report.first is not None:
        st.session_state["step"] = int(report.first["step"])  # the player opens the first differing window


def render(
    function_name: str | list[str],
    inputs: dict[str, Any],
    *,
    page: str | None = None,
    ties: str = "first",
    i: int = 0,
    c: int = 0,
) -> tuple[dict | None, int | None]:
    """Draw the panel; return (marks for the player, the step to open) of the last check here.

    function_name -- one of the course's functions, or a list of them (a select box picks one)
    inputs -- the lesson's arrays: A_prev, W, b, hparameters, pad, mode, dZ, dA (what the function needs)
    """
    names = [function_name] if isinstance(function_name, str) else list(function_name)
    page = page or names[0]
    key = f"check/{page}"
    shown = st.session_state.get(f"{key}/report") is not None or bool(st.session_state.get(f"{key}/error"))
    with st.expander("Check your own code", expanded=shown):  # a result or a message keeps it open
        if not is_on():
            st.info(
                "Checking your code runs it on this server, so it is off here (a shared server, or you reached "
                "it through a proxy or from another machine). On your own computer run `make run` (the server "
                "listens on 127.0.0.1 only: checking is on), or start it with `CNNVIZ_CHECK_CODE=on`."
            )
            return None, None
        if not _probing.is_set():  # probe bubblewrap once per process, in the background, before a Check
            _probing.set()
            threading.Thread(target=_probe, daemon=True).start()
        function = names[0] if len(names) == 1 else st.selectbox("Function", names, key=f"{key}/function")
        st.text_area(f"Paste your {function} (with any helper it calls)", key=f"{key}/code", height=200)
        st.file_uploader("…or upload a .py or .ipynb", type=["py", "ipynb"], key=f"{key}/file")
        st.button(
            "Check",
            key=f"{key}/button",
            on_click=_run,
            args=(page, function, inputs, ties, i, c),
            help="Runs your function in a sandbox (bubblewrap: no files, no network, no other processes; "
            "2 s CPU, 512 MB, 5 s) on these inputs, the course's cells and a few extra cases, and compares "
            f"cell by cell. {slots.SLOTS} check(s) run at a time on this server; the others wait in line.",
        )
        error = st.session_state.get(f"{key}/error")
        if error:
            st.error(error)
        report = st.session_state.get(f"{key}/report")
        if report is None:
            return None, None
        _show(report)
        return (report.marks or None), (report.first["step"] if report.first else None)


_probing = threading.Event()


def _probe() -> None:
    with contextlib.suppress(InputError):  # said when a check is asked for
        boundary.host_user()


def _show(report: checker.Report) -> None:
    if report.passed:
        st.success(f"{report.function}: every case matches ({len(report.verdicts)} cases).")
    elif report.ended != "ok":
        st.error(f"{report.function}: {report.ended}. An endless loop? Your function must finish in 2 s of CPU.")
    rows = [{"case": v.title, "verdict": v.verdict, "details": v.detail} for v in report.verdicts]
    st.dataframe(rows, hide_index=True, width="stretch")
    for text in report.diagnosis:
        st.warning(text)
    for text in report.notes:
        st.info(text)
    if report.first is not None:
        step = report.first["step"] + 1  # counted from 1, as the player and the link show it
        st.info(f"First differing window: {report.first['where']} (step {step} of the player, marked).")
    for v in report.verdicts:
        if v.traceback:
            st.caption(f"Your traceback ({v.title}):")
            st.code(v.traceback, language=None)
            break
    printed = next((v for v in report.verdicts if v.printed_chars), None)
    if printed is not None:
        more = (
            f" (first {len(printed.printed)} of {printed.printed_chars} characters)"
            if printed.printed_chars > len(printed.printed)
            else ""
        )
        st.caption(f"Your function printed{more}:")
        st.code(printed.printed, language=None)
    off = [k for k, on in report.protections.items() if not on]
    waited = f" after {report.waited:.1f} s in line (other checks were running)" if report.waited >= 0.5 else ""
    st.caption(
        f"Ran in {report.seconds:.2f} s in a sandbox{waited}" + (f"; not active here: {', '.join(off)}" if off else ".")
    )

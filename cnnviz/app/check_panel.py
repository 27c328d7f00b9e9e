"""The "Check your code" panel (issue 12): paste or upload a function, run it sandboxed, see where it differs.

A page calls `render(function_name, inputs, ...)` once, near its end. The Check button's callback runs
the check before the next script run, so the page's player (drawn earlier) gets the marks from
`marks(page)` and opens the first differing window (st.session_state["step"]).
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from cnnviz.check import checker, switch
from cnnviz.core.errors import InputError


def is_on() -> bool:
    """Checking runs students' code: on for a loopback-only server, else off; CNNVIZ_CHECK_CODE overrides."""
    address = st.get_option("server.address")
    return switch.enabled(address, os.environ.get(switch.ENV))


def marks(page: str) -> dict | None:
    """The marks of the last check made on `page` (for the player), or None."""
    report = st.session_state.get(f"check/{page}/report")
    return report.marks if report is not None and report.marks else None


def _run(page: str, function: str, inputs: dict[str, Any], ties: str, i: int, c: int) -> None:
    key = f"check/{page}"
    upload = st.session_state.get(f"{key}/file")
    text, filename = st.session_state.get(f"{key}/code", ""), "pasted code"
    if upload is not None:
        text, filename = upload.getvalue().decode("utf-8", "replace"), upload.name
    st.session_state[f"{key}/error"] = None
    st.session_state[f"{key}/report"] = None
    try:
        report = checker.check(function, text, inputs, filename, ties, i, c)
    except InputError as err:
        st.session_state[f"{key}/error"] = str(err)
        return
    st.session_state[f"{key}/report"] = report
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
    with st.expander("Check your own code", expanded=st.session_state.get(f"{key}/report") is not None):
        if not is_on():
            st.info(
                "Checking your code runs it on this server, so it is off here. On your own computer run "
                "`make run` (the server listens on 127.0.0.1 only: checking is on), or start it with "
                "`CNNVIZ_CHECK_CODE=on`."
            )
            return None, None
        function = names[0] if len(names) == 1 else st.selectbox("Function", names, key=f"{key}/function")
        st.text_area(f"Paste your {function} (with any helper it calls)", key=f"{key}/code", height=200)
        st.file_uploader("…or upload a .py or .ipynb", type=["py", "ipynb"], key=f"{key}/file")
        st.button(
            "Check",
            key=f"{key}/button",
            on_click=_run,
            args=(page, function, inputs, ties, i, c),
            help="Runs your function in a separate, limited process (2 s CPU, 512 MB, 5 s) on these inputs, "
            "the course's cells and a few extra cases, and compares cell by cell.",
        )
        error = st.session_state.get(f"{key}/error")
        if error:
            st.error(error)
        report = st.session_state.get(f"{key}/report")
        if report is None:
            return None, None
        _show(report)
        return (report.marks or None), (report.first["step"] if report.first else None)


def _show(report: checker.Report) -> None:
    if report.passed:
        st.success(f"{report.function}: every case matches ({len(report.verdicts)} cases).")
    elif report.ended != "ok":
        st.error(f"{report.function}: {report.ended}. An endless loop? Your function must finish in 2 s of CPU.")
    rows = [{"case": v.title, "verdict": v.verdict, "details": v.detail} for v in report.verdicts]
    st.dataframe(rows, hide_index=True, width="stretch")
    for text in report.diagnosis:
        st.warning(text)
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
    st.caption(f"Ran in {report.seconds:.2f} s in a sandbox" + (f"; not active here: {', '.join(off)}" if off else "."))

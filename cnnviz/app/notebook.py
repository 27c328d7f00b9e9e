"""Compare with your notebook (issue 10): the course's own examples, your own arrays, the tie rule, precision.

The Streamlit half of cnnviz.core.course / arrays / inputs. Three entry points:
- `input_fields(page)` -- in the sidebar's Input section: the version and example pickers (source
  "course"), the .npz / .npy uploader (source "mine"); an example's hyperparameters are applied to
  the lesson's settings here, before the lesson draws them;
- `lesson_input(s)`, `conv_weights(s, A_prev)`, `upstream(s, shape, A_prev, W)` -- the arrays a
  lesson animates for every source (lesson.py calls them);
- `section(page, s)` -- under the player: decimals, the tie rule (pooling), what the notebook
  prints (st.code, full precision) and which step shows it, the cell that reproduces the inputs.
Everything shown is computed by cnnviz's own functions; nothing is stored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from cnnviz.app import settings as params
from cnnviz.core import arrays, course, inputs, printed, windows
from cnnviz.core.errors import InputError

SOURCES = ("course", "mine")  # the sources this module serves (random / sample / upload: lesson.py)
SOURCE_LABELS = {
    "random": "random",
    "sample": "sample image",
    "upload": "upload image",
    "course": "course example",
    "mine": "my arrays",
}
TIE_LABELS = {
    "all": "the course's mask (x == max(x): every tied maximum)",
    "first": "first maximum only (what PyTorch does)",
}
# The sidebar's page keys (registry) -> the course's function names.
PAGE_OF = {
    "zero_padding": "zero_pad",
    "convolution": "conv_forward",
    "pooling": "pool_forward",
    "conv_backward": "conv_backward",
    "pool_backward": "pool_backward",
}
POOL_PAGES = ("pool_forward", "pool_backward")
CONV_PAGES = ("conv_forward", "conv_backward")


def _page() -> str:
    return st.session_state.get("_notebook_page", "conv_forward")


def example(s: dict[str, Any], page: str | None = None) -> course.Example:
    """The course example the settings choose for `page` (its animated cells; case 1 or 2)."""
    page = page or _page()
    choices = course.examples(str(s.get("version", params.DEFAULTS["version"])), page, animates=True)
    case = min(max(int(s.get("case", 1)), 1), len(choices))
    return choices[case - 1]


# --- sidebar ---------------------------------------------------------------------------------------


def _apply_hyperparameters(page: str, hp: dict[str, int]) -> list[str]:
    """Put an example's (or a file's) hyperparameters into the lesson's settings before the lesson draws them.

    Returns the setting keys it fixed."""
    keys = {"f": "pool_f", "stride": "pool_stride"} if page in POOL_PAGES else {"stride": "stride", "pad": "pad"}
    fixed = []
    for name, key in keys.items():
        if name in hp:
            spec = params.SPECS[key]
            st.session_state[key] = min(max(int(hp[name]), spec.lo), spec.hi)
            fixed.append(key)
    return fixed


def fixed_settings() -> dict[str, str]:
    """The lesson settings the input source fixes this run: {key: where the value comes from}.

    The lesson's row draws them disabled, showing the value in use (the upstream gradient as
    words: "dZ = Z (course)", "your file's"), instead of an editable box the source ignores.
    """
    return dict(st.session_state.get("_fixed", {}))


@st.cache_data(max_entries=8, show_spinner=False)
def _load(files: tuple[tuple[str, bytes], ...]) -> arrays.StudentArrays:
    return arrays.load_files(list(files))


def mine() -> arrays.StudentArrays:
    """The uploaded arrays, checked (raises InputError with what is wrong)."""
    files = st.session_state.get("mine_files")
    if not files:
        raise InputError(
            "No arrays uploaded yet: in the sidebar (Input: my arrays) upload the .npz you saved in the notebook, "
            "np.savez('mine.npz', A_prev=A_prev, W=W, b=b), or .npy files named A_prev.npy, W.npy, b.npy."
        )
    return _load(tuple(files))


def input_fields(page_key: str) -> None:
    """The Input section's fields for the sources "course" and "mine" (drawn under the source radio)."""
    page = PAGE_OF.get(page_key)
    st.session_state["_fixed"] = fixed = {}
    if page is None:
        return
    st.session_state["_notebook_page"] = page
    source = st.session_state.get("source")
    if source == "course":
        st.session_state.setdefault("version", params.DEFAULTS["version"])
        st.radio(
            "Notebook version",
            course.VERSIONS,
            format_func=lambda v: f"**{course.NOTEBOOKS[v].years}** · {course.NOTEBOOKS[v].file}",
            key="version",
            help="The year you took the course and your notebook's file name, newest first.",
        )
        st.caption(f"This notebook: {course.NOTEBOOKS[st.session_state['version']].note}.")
        choices = course.examples(st.session_state["version"], page, animates=True)
        st.session_state.setdefault("case", 1)
        if len(choices) > 1:
            st.radio(
                "Example",
                list(range(1, len(choices) + 1)),
                format_func=lambda k: choices[k - 1].title,
                key="case",
            )
        chosen = example(dict(st.session_state), page)
        where = "fixed by the notebook's cell"
        fixed.update(dict.fromkeys(_apply_hyperparameters(page, dict(chosen.hparameters)), where))
        arrays_of = course.lesson_arrays(chosen)
        if page in CONV_PAGES:
            st.session_state["n_C"] = arrays_of.W.shape[3]
            st.session_state["f"] = arrays_of.W.shape[0]
            fixed.update(f=where, n_C=where)
        if arrays_of.grad is not None:
            fixed["grad"] = "dZ = Z (course)" if page == "conv_backward" else "the course's"
        st.caption(f"The notebook's `{chosen.function}` cell; its hyperparameters are fixed to the cell's.")
    elif source == "mine":
        files = st.file_uploader(
            "Your arrays (.npz or .npy)",
            type=["npz", "npy"],
            accept_multiple_files=True,
            key="mine_widget",
            help="np.savez('mine.npz', A_prev=A_prev, W=W, b=b), optionally dZ, dA, stride, pad, f; "
            "or one .npy a file named after its array. Never unpickled.",
        )
        if files:
            st.session_state["mine_files"] = [(f.name, f.getvalue()) for f in files]
        elif st.session_state.get("mine_files"):
            names = ", ".join(name for name, _ in st.session_state["mine_files"])
            st.text(f"Using the earlier upload: {names}")
        try:
            loaded = mine() if st.session_state.get("mine_files") else None
        except InputError:
            loaded = None  # the lesson shows the message
        if loaded is not None:
            where = "fixed by your file"
            fixed.update(dict.fromkeys(_apply_hyperparameters(page, loaded.hparameters), where))
            if page in CONV_PAGES and loaded.W is not None:
                st.session_state["f"] = min(loaded.W.shape[0], params.SPECS["f"].hi)
                st.session_state["n_C"] = min(loaded.W.shape[3], params.SPECS["n_C"].hi)
                fixed.update(f=where, n_C=where)
            if (loaded.dZ if page == "conv_backward" else loaded.dA) is not None:
                fixed["grad"] = "your file's"


# --- the lesson's arrays -----------------------------------------------------------------------------


def _hparameters(s: dict[str, Any], page: str) -> dict[str, int]:
    if page in POOL_PAGES:
        return {"f": int(s["pool_f"]), "stride": int(s["pool_stride"])}
    return {"stride": int(s["stride"]), "pad": int(s["pad"])}


def lesson_input(s: dict[str, Any]) -> np.ndarray:
    """A_prev for the sources "course" and "mine" (InputError if unusable)."""
    page = _page()
    if s["source"] == "course":
        return course.lesson_arrays(example(s, page)).A_prev
    a = mine()
    if page in CONV_PAGES or page in POOL_PAGES:
        arrays.for_lesson(a, page, _hparameters(s, page))
    return a.A_prev


def conv_weights(s: dict[str, Any], A_prev: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """W (f, f, n_C_prev, n_C) and b (1, 1, 1, n_C) for every source; random: after A_prev on the one stream."""
    if s["source"] == "course":
        ex = course.lesson_arrays(example(s, _page()))
        return ex.W, ex.b
    if s["source"] == "mine":
        got = arrays.for_lesson(mine(), _page(), _hparameters(s, _page()))
        return got["W"], got["b"]
    values = s["values"] if s["source"] == "random" else "normal"
    return inputs.conv_params(s["seed"], s["f"], A_prev.shape[3], s["n_C"], values, A_prev_shape=A_prev.shape)


def upstream(s: dict[str, Any], shape: tuple[int, ...], A_prev: np.ndarray, W: np.ndarray | None = None) -> np.ndarray:
    """dZ / dA for the backward lessons: the course's (dZ = Z), the file's, or the random stream's."""
    page = _page()
    if s["source"] == "course":
        grad = course.lesson_arrays(example(s, page)).grad
        if grad is not None and grad.shape == tuple(shape):
            return grad
    if s["source"] == "mine":
        got = arrays.for_lesson(mine(), page, _hparameters(s, page))
        grad = got.get("dZ" if page == "conv_backward" else "dA")
        if grad is not None:
            return grad
        st.caption(f"No {'dZ' if page == 'conv_backward' else 'dA'} in your upload: the upstream gradient is random.")
    if s["source"] == "random":
        W_shape = None if W is None else W.shape
        return inputs.upstream_gradient(s["seed"], shape, s["grad"], A_prev.shape, W_shape, s["values"])
    return inputs.upstream_gradient(s["seed"], shape, s["grad"])


def random_cell(page: str, s: dict[str, Any]) -> str:
    """The notebook cell that draws this lesson's random inputs (A_prev, W, b, then the gradient)."""
    A_shape = (s["m"], s["n_H_prev"], s["n_W_prev"], s["n_C_prev"])
    W_shape = (s["f"], s["f"], s["n_C_prev"], s["n_C"]) if page in CONV_PAGES else None
    grad_shape = None
    if page == "conv_backward":
        grad_shape = windows.conv_out_shape(A_shape, W_shape, s["stride"], s["pad"])
    if page == "pool_backward":
        grad_shape = windows.pool_out_shape(A_shape, s["pool_f"], s["pool_stride"])
    name = "dA" if page in POOL_PAGES else "dZ"
    return inputs.random_cell(s["seed"], A_shape, W_shape, grad_shape, s["values"], s["grad"], name)


# --- under the player ----------------------------------------------------------------------------------


def tie_words(ties: str) -> str:
    """The tie rule in the words of the page."""
    return TIE_LABELS.get(ties, TIE_LABELS["first"])


def gradcheck_note(s: dict[str, Any], tied: int, mode: str) -> str:
    """Why the gradient check says what it says about max-pool ties, under the rule in use."""
    if mode != "max" or not tied:
        return ""
    rule = s.get("ties", "first")
    share = (
        "the course's mask hands the whole dA to every tied maximum, so the window passes on k times dA"
        if rule == "all"
        else "the first maximum only gets dA, the other tied entries 0"
    )
    return (
        f"{tied} pooling window(s) of this input hold their maximum more than once. There max pooling has no "
        "derivative: nudging one tied entry up raises the maximum by h, nudging it down leaves the maximum "
        "to the other tied entry, so the centred difference credits each of k tied entries about dA/2 "
        f"(one-sided slopes 1 and 0, averaged), while with the rule in use, {tie_words(rule)}, {share}. "
        "Neither rule is confirmed by finite differences at a tie; without ties both agree "
        "(choose Values: normal)."
    )


def _controls(page: str) -> None:
    cols = st.columns([1, 2] if page in POOL_PAGES else [1, 2])
    with cols[0]:
        st.session_state.setdefault("decimals", params.DEFAULTS["decimals"])
        st.radio(
            "Decimals",
            params.SPECS["decimals"].choices,
            key="decimals",
            horizontal=True,
            help=params.SPECS["decimals"].help,
        )
    if page in POOL_PAGES:
        with cols[1]:
            st.session_state.setdefault("ties", params.DEFAULTS["ties"])
            st.radio(
                "Max-pool tie rule (create_mask_from_window)",
                params.SPECS["ties"].choices,
                format_func=tie_words,
                key="ties",
                help="The course writes mask = (x == np.max(x)); PyTorch credits one maximum.",
            )


def section(page: str, s: dict[str, Any]) -> None:
    """Under the lesson's player: decimals, tie rule, what the notebook prints, the cell that reproduces the inputs."""
    if st.session_state.get("present"):
        return
    _controls(page)
    source = s.get("source")
    if source == "course":
        chosen = example(s, page)
        ties = s.get("ties", "first")
        notebook = course.NOTEBOOKS[chosen.version]
        st.markdown(
            f"**The notebook's `{chosen.function}` cell** ({notebook.years}, `{notebook.file}`: {chosen.title})"
        )
        st.code(chosen.cell + "\n" + chosen.calls, language="python")
        st.markdown(
            "**What it prints** (computed now by cnnviz, laid out as the notebook prints it, full float64 precision)"
        )
        st.code(printed.format_printout(printed.printout(chosen, ties)), language=None)
        if chosen.function == "zero_pad" and chosen.version in course.GRADED:
            st.caption("The second block is what `zero_pad_test(zero_pad)` prints; its verdict line is not reproduced.")
        if chosen.version in course.BIAS_PER_ELEMENT and page in CONV_PAGES:
            f, _, n_C_prev = course.draw(chosen)["W"].shape[:3]
            k = f * f * n_C_prev
            st.info(f"{course.BIAS_RULE} Here f·f·n_C_prev = {f}·{f}·{n_C_prev} = {k}: the player's b is {k}·b.")
        hint = course.step_hint(chosen)
        if hint:
            st.caption("To see it in the player: " + hint)
        for extra in course.examples(chosen.version, page, animates=False):
            st.markdown(f"**The `{extra.function}` cell**")
            st.code((extra.cell + "\n" + extra.calls).strip(), language="python")
            st.code(printed.format_printout(printed.printout(extra, ties)), language=None)
    elif source == "random":
        st.markdown("**These random inputs in your notebook** (one `np.random.seed` stream, in this order)")
        st.code(random_cell(page, s), language="python")
    elif source == "mine":
        try:
            loaded = mine()
        except InputError:
            return
        shapes = ", ".join(
            f"{k} {getattr(loaded, k).shape}"
            for k in ("A_prev", "W", "b", "dZ", "dA")
            if getattr(loaded, k) is not None
        )
        st.caption(
            f"Your arrays ({loaded.source}): {shapes}" + (f"; {loaded.hparameters}" if loaded.hparameters else "")
        )

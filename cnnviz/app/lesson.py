"""What every lesson page does the same way: get its tensors, guard errors, draw, pick a step.

Heavy pure work is cached here and in cached.py (st.cache_data, or memory.ByteLRU for large shared
values), never inside the math modules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import streamlit as st

from cnnviz.app import cached, image_input, memory, notebook, registry
from cnnviz.app import player as player_component
from cnnviz.app import settings as params
from cnnviz.core import gradcheck, inputs, windows
from cnnviz.core.errors import InputError
from cnnviz.draw import gif, plots
from cnnviz.pictures import images


def settings() -> dict[str, Any]:
    """The sidebar's settings for this run (app.py stores them before running the page)."""
    return st.session_state.get("settings", dict(params.DEFAULTS))


# Decoded pictures, shared by every session and never copied: a photo at its working size is
# 10-20 MB, which st.cache_data would unpickle into a fresh copy on every rerun of every session.
# The arrays are read-only.
_IMAGES = memory.ByteLRU(160 * 2**20, name="decoded images", max_entries=8, drop_when_idle=True)


def load_upload(data: bytes, key: str | None = None) -> images.LoadedImage:
    """images.load_image, once per file content for all sessions. Raises images.ImageError (not cached)."""
    return _IMAGES.get_or_make(key or image_input.upload_key(data), lambda: images.load_image(data))


def sample(name: str) -> np.ndarray:
    def make() -> np.ndarray:
        array = images.sample_image(name)
        array.setflags(write=False)
        return array

    return _IMAGES.get_or_make(image_input.sample_key(name), make)


def source_image(s: dict[str, Any]) -> image_input.Source:
    """The full-resolution image for the sample/upload sources, its caption and content key.

    Falls back to the chosen sample (and says so) when "upload" is chosen but nothing was uploaded.
    Raises images.ImageError for an unusable upload.
    """
    if s["source"] == "upload":
        data = st.session_state.get("upload_bytes")
        if data is not None:  # b"" is an upload too: load_image says the file is empty
            key = st.session_state.get("upload_key") or image_input.upload_key(data)
            loaded = load_upload(data, key)
            for note in loaded.notes:
                st.info(note)
            return image_input.Source(loaded.array, "your upload", key)
        st.info("No image uploaded yet: choose one in the sidebar (Input). Showing the sample image meanwhile.")
    name = s["sample"]
    return image_input.Source(sample(name), f"sample image '{name}'", image_input.sample_key(name))


@st.cache_data(max_entries=24, show_spinner=False)
def _resized(key: str, _image: np.ndarray, n_H_prev: int, n_W_prev: int) -> np.ndarray:
    return inputs.image_tensor(_image, n_H_prev, n_W_prev)


def lesson_input(s: dict[str, Any]) -> np.ndarray:
    """A_prev (m, n_H_prev, n_W_prev, n_C_prev) for the lessons: random, or the image made small."""
    if s["source"] == "random":
        return inputs.random_tensor(s["seed"], s["m"], s["n_H_prev"], s["n_W_prev"], s["n_C_prev"], s["values"])
    if s["source"] in notebook.SOURCES:  # the course's example, the student's arrays
        return guard(notebook.lesson_input, s)
    try:
        source = source_image(s)
    except images.ImageError as err:
        fail(err)
    A_prev = _resized(source.key, source.image, s["n_H_prev"], s["n_W_prev"])
    if not present():
        image_input.show_source_image(source, A_prev)
    st.caption(f"A_prev: {source.caption}, averaged down to {s['n_H_prev']}x{s['n_W_prev']} pixels (m = 1).")
    return A_prev


def conv_setup(s: dict[str, Any]) -> tuple:
    """(A_prev, W, b, hparameters, Z, cache) for the sidebar's settings; a bad combination stops the page."""
    A_prev = lesson_input(s)
    W, b = guard(notebook.conv_weights, s, A_prev)  # one random stream, or the course's / your W, b
    hparameters = {"stride": s["stride"], "pad": s["pad"]}
    if int(s.get("dilation", 1)) != 1:  # the course's dict unless a window with holes is asked for
        hparameters["dilation"] = int(s["dilation"])
    Z, cache = guard(cached.conv_forward, A_prev, W, b, hparameters)
    return A_prev, W, b, hparameters, Z, cache


def transposed_setup(s: dict[str, Any]) -> tuple:
    """(A_prev, W, b, hparameters, Z, cache) for conv_transpose_forward; a bad combination stops the page.

    The course has no transposed convolution cell: with the course's or your arrays chosen, the
    input is the random stream's (and the page says so); a picture is used as A_prev.
    """
    hparameters = {"stride": s["stride"], "pad": s["pad"], "output_padding": s["output_padding"]}
    shape = (s["m"], s["n_H_prev"], s["n_W_prev"], s["n_C_prev"])
    if s["source"] in ("sample", "upload"):
        A_prev = lesson_input(s)
        _, W, b = inputs.transpose_inputs(s["seed"], A_prev.shape, s["f"], s["n_C"])
    else:
        if s["source"] != "random":
            st.info("The course has no transposed convolution cell: A_prev, W and b are the random stream's here.")
        values = s["values"] if s["source"] == "random" else "normal"
        A_prev, W, b = inputs.transpose_inputs(s["seed"], shape, s["f"], s["n_C"], values)
    Z, cache = guard(cached.conv_transpose_forward, A_prev, W, b, hparameters)
    return A_prev, W, b, hparameters, Z, cache


def pool_setup(s: dict[str, Any]) -> tuple:
    """(A_prev, hparameters, A, cache) for the sidebar's pooling settings; a bad combination stops the page."""
    A_prev = lesson_input(s)
    hparameters = {"f": s["pool_f"], "stride": s["pool_stride"]}
    A, cache = guard(cached.pool_forward, A_prev, hparameters, s["mode"])
    return A_prev, hparameters, A, cache


def fail(err: Exception) -> None:
    """Show a person-readable error in place of the lesson and stop this run (never a traceback)."""
    st.error(str(err), icon=":material/block:")
    st.stop()


def guard(fn: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call fn; an InputError (bad hyperparameters, bad image) becomes st.error and stops the page.

    Anything else is a bug and is left to Streamlit's own handling, never dressed up as a user error.
    """
    try:
        return fn(*args, **kwargs)
    except InputError as err:
        fail(err)


def size_formula(
    out: str, n_prev_name: str, n_prev: int, f: int, stride: int, pad: int | None, dilation: int = 1
) -> str:
    """n_H = floor((n_H_prev + 2*pad - f) / stride) + 1 with the live numbers (pad=None: pooling, no pad).

    With dilation > 1: n_H = floor((n_H_prev + 2*pad - dilation*(f - 1) - 1) / stride) + 1.
    """
    n = windows.output_size(n_prev, f, stride, pad or 0, dilation)
    if dilation > 1:
        return (
            f"{out} = floor(({n_prev_name} + 2*pad - dilation*(f - 1) - 1) / stride) + 1 "
            f"= floor(({n_prev} + 2*{pad} - {dilation}*({f} - 1) - 1) / {stride}) + 1 = {n}"
        )
    if pad is None:
        return f"{out} = floor(({n_prev_name} - f) / stride) + 1 = floor(({n_prev} - {f}) / {stride}) + 1 = {n}"
    return (
        f"{out} = floor(({n_prev_name} + 2*pad - f) / stride) + 1 "
        f"= floor(({n_prev} + 2*{pad} - {f}) / {stride}) + 1 = {n}"
    )


def arithmetic(*lines: str) -> None:
    """The shape arithmetic, one formula a line, in monospace (hidden in presentation mode)."""
    if present():
        return
    st.code("\n".join(lines), language=None)


def transpose_size_formula(out: str, n_prev_name: str, n_prev: int, f: int, stride: int, pad: int, op: int) -> str:
    """n_H = (n_H_prev - 1)*stride - 2*pad + f + output_padding with the live numbers."""
    n = windows.transpose_output_size(n_prev, f, stride, pad, op)
    return (
        f"{out} = ({n_prev_name} - 1)*stride - 2*pad + f + output_padding "
        f"= ({n_prev} - 1)*{stride} - 2*{pad} + {f} + {op} = {n}"
    )


def stride_note(n_prev: int, f: int, stride: int, pad: int, dilation: int = 1) -> None:
    """Say which rows/columns a non-dividing stride never reads."""
    skipped = windows.uncovered(n_prev, f, stride, pad, dilation)
    if skipped and not present():
        span = "f" if dilation == 1 else "(dilation*(f - 1) + 1)"
        gap = n_prev + 2 * pad - windows.span(f, dilation)
        st.caption(
            f"(n + 2*pad - {span}) = {gap} is not a multiple of stride = {stride}: "
            f"padded rows/columns {skipped} are never read by any window (shaded in the figure)."
        )


# A lesson's own settings, drawn next to its player: the short names the course uses.
SHORT = {
    "pool_f": "f",
    "pool_stride": "stride",
    "mode": "mode",
    "grad": "upstream",
    "n_C": "n_C",
    "output_padding": "out_pad",
}


def present() -> bool:
    """Presentation mode: prose hidden, sidebar collapsed, a player sized to the screen."""
    return bool(st.session_state.get("present", False))


PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stExpandSidebarButton"] { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.4rem 1rem 0.4rem 1rem !important; max-width: 100% !important; }
[data-testid="stMain"] { margin-left: 0 !important; }
.cnnviz-present-title { font-size: 1.6rem; font-weight: 700; text-align: center; line-height: 1.2; }
.st-key-cnnviz_next { align-items: flex-end; }
</style>"""


def title(heading: str, prose: str = "") -> None:
    """The lesson's title and its explanation; in presentation mode a one-line header instead:
    the previous lesson, the title, the next lesson (keys p / n in the player)."""
    if present():
        st.html(PRESENT_CSS)
        _present_header(heading)
        return
    st.title(heading)
    if prose:
        st.markdown(prose)


def _present_header(heading: str) -> None:
    """Presentation mode's header: ← previous lesson | the title | next lesson →, as page links."""
    here = st.session_state.get("_page", "")
    order = list(registry.LESSONS)
    at = next((n for n, lesson in enumerate(order) if lesson.key == here), None)
    prev_col, title_col, next_col = st.columns([1.3, 3, 1.3], vertical_alignment="center")
    with title_col:
        st.markdown(f"<div class='cnnviz-present-title'>{heading}</div>", unsafe_allow_html=True)
    if at is None:
        return
    if at > 0:
        with prev_col, st.container(key="cnnviz_prev"):
            st.page_link(order[at - 1].path, label=f"{order[at - 1].title} (p)", icon=":material/arrow_back:")
    if at + 1 < len(order):
        with next_col, st.container(key="cnnviz_next"):
            st.page_link(order[at + 1].path, label=f"{order[at + 1].title} (n)", icon=":material/arrow_forward:")


def text(markdown: str) -> None:
    """Prose under the title (hidden in presentation mode)."""
    if not present():
        st.markdown(markdown)


class Controls:
    """The settings row of a lesson; the index boxes (i, c) are filled once the shapes are known."""

    def __init__(self, slots: dict[str, Any]) -> None:
        self._slots = slots

    def index(self, key: str, n: int) -> int:
        """The `i` or `c` box limited to 0..n-1 (a larger value from a link or another page is clamped)."""
        n = max(int(n), 1)
        value = min(max(int(st.session_state.get(key, params.DEFAULTS[key])), 0), n - 1)
        st.session_state[key] = value
        with self._slots[key]:
            return int(
                st.number_input(key, min_value=0, max_value=n - 1, step=1, key=key, help=params.SPECS[key].label)
            )


def _range_help(spec: params.Spec, where: str = "") -> str:
    """A slider's help: what it is, its range, and (when disabled) what fixes it."""
    text = f"{spec.label}: {spec.lo} to {spec.hi}."
    if spec.help:
        text += f" {spec.help}."
    return text + (f" This run: {where}." if where else "")


def _slider(key: str, label: str, where: str | None) -> int:
    """One setting as a slider (value shown, arrow keys step it); disabled with its reason when fixed."""
    spec = params.SPECS[key]
    value = st.session_state.get(key, spec.default)
    if not isinstance(value, int) or not spec.lo <= value <= spec.hi:  # a stale or foreign value: clamp, never raise
        st.session_state[key] = min(max(int(value) if isinstance(value, int) else spec.default, spec.lo), spec.hi)
    return int(st.slider(label, spec.lo, spec.hi, key=key, help=_range_help(spec, where or ""), disabled=bool(where)))


def controls(keys: list[str], indices: tuple[str, ...] = ("i", "c")) -> Controls:
    """One compact row: this lesson's settings (keyed as in settings.SPECS), | i c, presentation toggle.

    Every whole-number setting given (f, stride, pad, n_C, pool f / stride, dilation, ...) is a
    slider; choices are radios. Only what the page uses is drawn. Returns the row, whose
    `index(key, n)` draws `i`/`c` once the page knows how many exist.
    """
    widths = [1.5 if params.SPECS[k].is_choice else 1.2 for k in keys] + [0.1] + [0.8] * len(indices) + [1.1]
    # presenting: the settings folded away (the player gets the screen; Escape or the toggle in here leaves)
    row = st.expander("Settings and the Present toggle", expanded=False) if present() else st.container()
    with row:
        cols = st.columns(widths, vertical_alignment="bottom", gap="small")
    return _controls_row(cols, keys, indices)


def _controls_row(cols: list, keys: list[str], indices: tuple[str, ...]) -> Controls:
    fixed = notebook.fixed_settings()  # what the course's cell or the student's file decides
    for col, key in zip(cols, keys, strict=False):
        spec = params.SPECS[key]
        st.session_state.setdefault(key, spec.default)
        label = SHORT.get(key, key)
        with col:
            if key in fixed and spec.is_choice:  # e.g. the upstream gradient: the cell's, not random or ones
                # keyed by its text too: a keyed text_input keeps its first value, whatever `value` says later
                st.text_input(label, value=fixed[key], disabled=True, key=f"_fixed_{key}_{fixed[key]}", help=spec.label)
            elif spec.is_choice:
                st.radio(label, spec.choices, key=key, horizontal=True, help=spec.label)
            else:
                _slider(key, label, fixed.get(key))
    slots = dict(zip(indices, cols[len(keys) + 1 : len(keys) + 1 + len(indices)], strict=True))
    with cols[-1]:
        st.session_state["present"] = present()  # a link's present=1 arrives as an int
        st.toggle("Present", key="present", help=params.SPECS["present"].help)
    held = sorted({where for key, where in fixed.items() if key in keys and not params.SPECS[key].is_choice})
    if held and not present():
        names = ", ".join(SHORT.get(k, k) for k in keys if k in fixed and not params.SPECS[k].is_choice)
        st.caption(f"{names}: {'; '.join(held)} (choose Input: random in the sidebar to change them).")
    return Controls(slots)


def player(board: player_component.Packed, key: str, s: dict[str, Any], marks: dict | None = None) -> int:
    """The lesson player for `board`, opened on the link's step; returns the step the browser reported.

    Marks on panels the board does not draw (lesson 7 draws its first output channels only) are dropped.
    """
    if marks and marks.get("differs"):
        names = {p["name"] for p in board.board()["panels"]}
        marks = {**marks, "differs": {name: rects for name, rects in marks["differs"].items() if name in names}}
    return player_component.show(
        board, key=key, step=int(s.get("step", 0)), decimals=int(s.get("decimals", 2)), present=present(), marks=marks
    )


def notebook_printout(page: str, s: dict[str, Any]) -> None:
    """decimals, tie rule, what the notebook prints, the cell that reproduces the inputs."""
    notebook.section(page, s)


def upstream_name(s: dict[str, Any]) -> str:
    """What the upstream gradient is this run: "random", "ones", or what the source fixed ("your file's")."""
    return notebook.fixed_settings().get("grad", str(s["grad"]))


def upstream(s: dict[str, Any], shape: tuple[int, ...], A_prev: np.ndarray, W: np.ndarray | None = None) -> np.ndarray:
    """dZ / dA from the random stream (after A_prev, W, b), the course's cell or your file."""
    return guard(notebook.upstream, s, shape, A_prev, W)


GIF_EVERY_STEP_UP_TO = 120  # more steps: a frame every k steps unless "every step" is ticked (slower to make)


def gif_button(label: str, file_name: str, make: Callable[[], bytes] | player_component.Packed, key: str) -> None:
    """A download button that renders the GIF only when clicked (`make`: a packed storyboard or a callable).

    Beside it, for a storyboard, "Download as interactive HTML": one self-contained file with the
    player and the board (cnnviz.player.html) that opens with no server and no network.
    A board's GIF has every step; past GIF_EVERY_STEP_UP_TO steps it has a frame every k steps unless
    the "every step" box is ticked, and the button says which.
    """
    if present():
        return
    board = make if isinstance(make, player_component.Packed) else None
    if board is not None:
        n, every = board.n_steps, True
        if n > GIF_EVERY_STEP_UP_TO:
            every = st.checkbox(
                f"GIF with every step ({n} frames, slower to make)",
                key=f"{key}_every",
                help=f"Off: at most {GIF_EVERY_STEP_UP_TO} frames, a frame every few steps (each frame says so).",
            )
        max_frames = None if every else GIF_EVERY_STEP_UP_TO
        steps = gif.frame_steps(n, max_frames)
        gap = steps[1] - steps[0] if len(steps) > 1 else 1
        label += f": {len(steps)} frames, " + ("every step" if gap == 1 else f"a frame every {gap} steps")
        make = lambda: cached.board_gif(board, max_frames)  # noqa: E731
    with st.container(horizontal=True):
        st.download_button(
            label, data=make, file_name=file_name, mime="image/gif", key=key, on_click="ignore", icon=":material/movie:"
        )
        if board is not None:
            decimals = int(st.session_state.get("decimals", 2))
            st.download_button(
                "Download as interactive HTML",
                data=lambda: cached.board_html(board, decimals),
                file_name=file_name.removesuffix(".gif") + ".html",
                mime="text/html",
                key=key + "_html",
                on_click="ignore",
                icon=":material/code:",
                help="One file with the player and this board: opens in any browser, offline, no server needed.",
            )


def grad_table(errors: dict[str, float], note: str = "") -> None:
    """The numerical gradient check's differences (gradcheck.difference), with a verdict per array."""
    if present():
        return
    # A Markdown table: three rows do not need st.dataframe's Arrow round trip on every rerun
    rows = "".join(
        f"| `{name}` | {err:.2e} | {'agrees' if err < 1e-7 else '**DIFFERS**'} |\n" for name, err in errors.items()
    )
    st.markdown("**Numerical gradient check**\n\n| gradient | difference | verdict |\n|---|---|---|\n" + rows)
    st.caption(
        "Centred finite differences (h = 1e-5) of sum(output * upstream gradient) against the analytic "
        "backward pass. difference = ‖analytic − numerical‖ / (‖analytic‖ + ‖numerical‖), over the whole array, "
        "as in the course's gradient-checking exercise; below 1e-7 they agree. " + note
    )


def grad_check(pairs: dict[str, tuple[np.ndarray, np.ndarray]], key: str, note: str = "") -> None:
    """The gradient check: its table (one difference per array) and the scatter of every cell (Plotly)."""
    if present():
        return
    grad_table(gradcheck.differences(pairs), note)
    names = ", ".join(pairs)
    st.plotly_chart(
        plots.gradient_check(pairs, title=f"Every cell of {names}: analytic against numerical"),
        key=key,
        width="stretch",
        config={"displaylogo": False},
    )
    st.caption(
        "A right backward pass puts every point on the dashed line y = x. Hover a point for its cell; "
        "a cell off the line is drawn as a large × outlined in red."
    )

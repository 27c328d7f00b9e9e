"""The course's loop bodies as text, with one step's values beside each line.

The code text lives in ONE place, `CODE`: lesson -> lines, as the course nests them (i, h, w, c,
then the window corners), with the statements of `cnnviz.core.layers` (tests/test_narration.py
checks every line against the layers' source). `notes(lesson, step, ...)` gives, per code line,
the value comment for one trace step (cnnviz.steps.trace) as a storyboard Line
`{"text": ..., "vals": [...]}` (floats as `{k}` placeholders, integers written in) or None.
The storyboard shows CODE and the notes; `render` joins them into one string for st.code.
"""

from __future__ import annotations

from typing import Any

from cnnviz.steps import style

WIDTH = 74  # the column the value comments start at (render)

_LOOPS = (
    "for i in range(m):",
    "    for h in range(n_H):",
    "        for w in range(n_W):",
    "            for c in range(n_C):",
)
_CORNERS = (
    "                vert_start = h * stride",
    "                vert_end = vert_start + f",
    "                horiz_start = w * stride",
    "                horiz_end = horiz_start + f",
)

# With dilation d the window's end moves by the holes between its cells, and every slice steps by d.
_CORNERS_DILATED = (
    _CORNERS[0],
    "                vert_end = vert_start + f + holes",
    _CORNERS[2],
    "                horiz_end = horiz_start + f + holes",
)
_TRANSPOSE_LOOPS = (
    "for i in range(m):",
    "    z_pad = Z_pad[i]",
    "    for h in range(n_H_prev):",
    "        for w in range(n_W_prev):",
    "            for c in range(n_C_prev):",
)


def _dilated(lines: tuple[str, ...]) -> tuple[str, ...]:
    """A loop body with the window's slices stepping by d (= dilation) and the corners spanning the holes."""
    out = []
    for line in lines:
        if line in _CORNERS:
            line = _CORNERS_DILATED[_CORNERS.index(line)]
        out.append(
            line.replace("vert_start:vert_end,", "vert_start:vert_end:d,").replace(
                "horiz_start:horiz_end,", "horiz_start:horiz_end:d,"
            )
        )
    return tuple(out)


CODE: dict[str, tuple[str, ...]] = {
    "zero_pad": ('return np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)), mode="constant", constant_values=0)',),
    "conv_forward": (
        "A_prev_pad = zero_pad(A_prev, pad)",
        _LOOPS[0],
        "    a_prev_pad = A_prev_pad[i]",
        *_LOOPS[1:],
        *_CORNERS,
        "                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
        "                Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
    ),
    "pool_forward/max": (
        *_LOOPS,
        *_CORNERS,
        "                a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]",
        "                A[i, h, w, c] = np.max(a_prev_slice)",
    ),
    "pool_forward/average": (
        *_LOOPS,
        *_CORNERS,
        "                a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]",
        "                A[i, h, w, c] = np.mean(a_prev_slice)",
    ),
    "conv_backward": (
        "A_prev_pad = zero_pad(A_prev, pad)",
        "dA_prev_pad = np.zeros(A_prev_pad.shape)",
        _LOOPS[0],
        "    a_prev_pad = A_prev_pad[i]",
        "    da_prev_pad = dA_prev_pad[i]",
        *_LOOPS[1:],
        *_CORNERS,
        "                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
        "                da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]",
        "                dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
        "                db[:, :, :, c] += dZ[i, h, w, c]",
    ),
    "pool_backward/max": (
        _LOOPS[0],
        "    a_prev = A_prev[i]",
        *_LOOPS[1:],
        *_CORNERS,
        "                a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]",
        "                mask = create_mask_from_window(a_prev_slice, ties)",
        "                dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]",
    ),
    "pool_backward/average": (
        *_LOOPS,
        *_CORNERS,
        "                da = dA[i, h, w, c]",
        "                dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += distribute_value(da, (f, f))",
    ),
    "conv_transpose_forward": (
        "Z_pad = np.zeros((m, n_H + 2 * pad, n_W + 2 * pad, n_C))",
        *_TRANSPOSE_LOOPS,
        *_CORNERS,
        "                z_pad[vert_start:vert_end, horiz_start:horiz_end, :] += A_prev[i, h, w, c] * W[:, :, :, c]",
        "Z = Z_pad[:, pad : pad + n_H, pad : pad + n_W, :] + b",
    ),
}
CODE["conv_forward/dilated"] = _dilated(CODE["conv_forward"])
CODE["conv_backward/dilated"] = _dilated(CODE["conv_backward"])

# The function in cnnviz.core.layers each code block is taken from (tests check the text against it).
SOURCE = {
    "zero_pad": "zero_pad",
    "conv_forward": "conv_forward",
    "pool_forward/max": "pool_forward",
    "pool_forward/average": "pool_forward",
    "conv_backward": "conv_backward",
    "pool_backward/max": "pool_backward",
    "pool_backward/average": "pool_backward",
    "conv_forward/dilated": "conv_forward",
    "conv_backward/dilated": "conv_backward",
    "conv_transpose_forward": "conv_transpose_forward",
}


def code_key(lesson: str, mode: str | None = None, dilation: int = 1) -> str:
    """The key of CODE for a lesson (pooling lessons add "/max" or "/average", dilated convolutions "/dilated")."""
    if lesson.startswith("pool"):
        return f"{lesson}/{mode}"
    return f"{lesson}/dilated" if dilation > 1 else lesson


def code(lesson: str, mode: str | None = None, dilation: int = 1) -> list[str]:
    """The loop body a lesson shows, one line each (the course's text when dilation == 1)."""
    return list(CODE[code_key(lesson, mode, dilation)])


def _t(text: str, *vals: float) -> dict:
    # 12 significant digits: more than any precision shown (8 decimals), shorter in JSON
    return {"text": text, "vals": [float(f"{float(v):.12g}") for v in vals]}


def _slice(step: Any) -> str:
    return f"{step.vert_start}:{step.vert_end}, {step.horiz_start}:{step.horiz_end}"


def _loop_notes(step: Any, n_H: int, n_W: int, n_C: int, stride: int, f: int, dilation: int = 1) -> dict[str, dict]:
    """Notes shared by every loop body: the loop variables and the window corners."""
    holes = (dilation - 1) * (f - 1)
    return {
        _LOOPS[0]: _t(f"i = {step.i}"),
        _LOOPS[1]: _t(f"h = {step.h}  (of {n_H})"),
        _LOOPS[2]: _t(f"w = {step.w}  (of {n_W})"),
        _LOOPS[3]: _t(f"c = {step.c}  (of {n_C})"),
        _CORNERS[0]: _t(f"= {step.h} * {stride} = {step.vert_start}"),
        _CORNERS[1]: _t(f"= {step.vert_start} + {f} = {step.vert_end}"),
        _CORNERS[2]: _t(f"= {step.w} * {stride} = {step.horiz_start}"),
        _CORNERS[3]: _t(f"= {step.horiz_start} + {f} = {step.horiz_end}"),
        _CORNERS_DILATED[1]: _t(f"= {step.vert_start} + {f} + {holes} = {step.vert_end}  (d = {dilation})"),
        _CORNERS_DILATED[3]: _t(f"= {step.horiz_start} + {f} + {holes} = {step.horiz_end}"),
    }


def _dslice(step: Any, d: int) -> str:
    if d == 1:
        return _slice(step)
    return f"{step.vert_start}:{step.vert_end}:{d}, {step.horiz_start}:{step.horiz_end}:{d}"


def transpose_notes(step: Any, *, stride: int, f: int, n_H_prev: int, n_W_prev: int, n_C_prev: int, pad: int) -> list:
    """Per line of code("conv_transpose_forward"), the value comment for one step (a TransposeStep)."""
    loops = _TRANSPOSE_LOOPS
    by_line = {
        loops[0]: _t(f"i = {step.i}"),
        loops[2]: _t(f"h = {step.h}  (of {n_H_prev}: input rows)"),
        loops[3]: _t(f"w = {step.w}  (of {n_W_prev}: input columns)"),
        loops[4]: _t(f"c = {step.c}  (input channel, of {n_C_prev})"),
        _CORNERS[0]: _t(f"= {step.h} * {stride} = {step.vert_start}"),
        _CORNERS[1]: _t(f"= {step.vert_start} + {f} = {step.vert_end}"),
        _CORNERS[2]: _t(f"= {step.w} * {stride} = {step.horiz_start}"),
        _CORNERS[3]: _t(f"= {step.horiz_start} + {f} = {step.horiz_end}"),
    }
    lines = CODE["conv_transpose_forward"]
    by_line[lines[-2]] = _t(f"A_prev[{step.i}, {step.h}, {step.w}, {step.c}] = {{0}}", step.value)
    by_line[lines[-1]] = _t(f"crop {pad} row(s)/column(s) of the pad ring" if pad else "pad = 0: nothing to crop")
    return [by_line.get(line) for line in lines]


def notes(
    lesson: str,
    step: Any,
    *,
    stride: int,
    f: int,
    n_H: int,
    n_W: int,
    n_C: int,
    mode: str | None = None,
    ties: str = "first",
    dilation: int = 1,
) -> list[dict | None]:
    """Per line of `code(lesson, mode)`, the value comment for one trace step (a Line or None).

    step -- a trace step of that lesson (ConvStep, PoolStep, ConvBackStep, PoolBackStep);
    zero_pad has no loop, and its one line gets no note here (the board writes its own numbers).
    """
    key = code_key(lesson, mode, dilation)
    by_line: dict[str, dict] = {}
    if lesson != "zero_pad":
        by_line.update(_loop_notes(step, n_H, n_W, n_C, stride, f, dilation))
    i, h, w, c = getattr(step, "i", 0), getattr(step, "h", 0), getattr(step, "w", 0), getattr(step, "c", 0)
    lines = CODE[key]
    if lesson == "conv_forward":
        by_line[lines[-2]] = _t(f"a_prev_pad[{_dslice(step, dilation)}, :]")
        by_line[lines[-1]] = _t(f"Z[{i}, {h}, {w}, {c}] = {{0}} + {{1}} = {{2}}", step.s, step.b, step.z)
    elif lesson == "pool_forward":
        by_line[lines[-2]] = _t(f"A_prev[{i}, {_slice(step)}, {c}]")
        by_line[lines[-1]] = _t(f"A[{i}, {h}, {w}, {c}] = {{0}}", step.value)
    elif lesson == "conv_backward":
        by_line[lines[-4]] = _t(f"a_prev_pad[{_dslice(step, dilation)}, :]")
        by_line[lines[-3]] = _t(f"dZ[{i}, {h}, {w}, {c}] = {{0}}", step.dz)
        by_line[lines[-2]] = _t(f"dW[:, :, :, {c}] gets a_slice * {{0}}", step.dz)
        by_line[lines[-1]] = _t(f"db[:, :, :, {c}] = {{0}} so far", step.db_c)
    elif lesson == "pool_backward" and mode == "max":
        by_line[lines[-3]] = _t(f"a_prev[{_slice(step)}, {c}]")
        by_line[lines[-2]] = _t("True at " + style.tie_words(ties))
        by_line[lines[-1]] = _t(f"dA[{i}, {h}, {w}, {c}] = {{0}}", step.da)
    elif lesson == "pool_backward":
        by_line[lines[-2]] = _t(f"dA[{i}, {h}, {w}, {c}] = {{0}}", step.da)
        by_line[lines[-1]] = _t(f"each += {{0}} / {f * f} = {{1}}", step.da, step.da / (f * f))
    return [by_line.get(line) for line in lines]


def line_text(line: dict, decimals: int = 3) -> str:
    """A Line with its placeholders filled in (what a renderer shows)."""
    return line["text"].format(*(style.fmt(v, decimals) for v in line["vals"]))


def render(code_lines: list[str], line_notes: list[dict | None], decimals: int = 3) -> str:
    """Code and notes as one block of text: each note as a comment from column WIDTH."""
    out = []
    for text, note in zip(code_lines, line_notes, strict=True):
        out.append(f"{text:<{WIDTH}}  # {line_text(note, decimals)}" if note else text)
    return "\n".join(out)


def _block(lesson: str, step: Any, stride: int, f: int, n_H: int, n_W: int, n_C: int, mode: str | None = None) -> str:
    kw = dict(stride=stride, f=f, n_H=n_H, n_W=n_W, n_C=n_C, mode=mode)
    return render(code(lesson, mode), notes(lesson, step, **kw))


def conv_forward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int) -> str:
    """conv_forward's loop body for one step (a trace.ConvStep), as text."""
    return _block("conv_forward", step, stride, f, n_H, n_W, n_C)


def pool_forward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int, mode: str) -> str:
    """pool_forward's loop body for one step (a trace.PoolStep), as text."""
    return _block("pool_forward", step, stride, f, n_H, n_W, n_C, mode)


def conv_backward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int) -> str:
    """conv_backward's loop body for one step (a trace.ConvBackStep), as text."""
    return _block("conv_backward", step, stride, f, n_H, n_W, n_C)


def pool_backward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int, mode: str) -> str:
    """pool_backward's loop body for one step (a trace.PoolBackStep), as text."""
    return _block("pool_backward", step, stride, f, n_H, n_W, n_C, mode)

"""The course's loop bodies as text, with one step's values written beside each line.

Pure string building from a trace step (cnnviz.steps.trace), so the code a student reads on screen
and the numbers in the figure come from the same record.
"""

from __future__ import annotations

from typing import Any

WIDTH = 74  # the column the value comments start at


def _line(code: str, note: str = "") -> str:
    return f"{code:<{WIDTH}}# {note}" if note else code


def _num(x: float) -> str:
    return f"{float(x):.3f}"


def _window(step: Any, stride: int, f: int) -> list[str]:
    """The four window-corner lines every loop body starts with."""
    h, w = step.h, step.w
    return [
        _line("            vert_start = h * stride", f"= {h} * {stride} = {step.vert_start}"),
        _line("            vert_end = vert_start + f", f"= {step.vert_start} + {f} = {step.vert_end}"),
        _line("            horiz_start = w * stride", f"= {w} * {stride} = {step.horiz_start}"),
        _line("            horiz_end = horiz_start + f", f"= {step.horiz_start} + {f} = {step.horiz_end}"),
    ]


def _loops(step: Any, i: int, n_H: int, n_W: int, n_C: int) -> list[str]:
    return [
        _line("for i in range(m):", f"i = {i}"),
        _line("    for h in range(n_H):", f"h = {step.h}   (of {n_H})"),
        _line("        for w in range(n_W):", f"w = {step.w}   (of {n_W})"),
        _line("            for c in range(n_C):", f"c = {step.c}   (of {n_C})"),
    ]


def _slice(step: Any) -> str:
    return f"{step.vert_start}:{step.vert_end}, {step.horiz_start}:{step.horiz_end}"


def conv_forward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int) -> str:
    """conv_forward's loop body for one step (a trace.ConvStep)."""
    body = [
        *_loops(step, i, n_H, n_W, n_C),
        *["    " + line for line in _window(step, stride, f)],
        _line(
            "                a_slice_prev = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
            f"a_prev_pad[{_slice(step)}, :]",
        ),
        _line(
            "                Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])",
            f"Z[{i}, {step.h}, {step.w}, {step.c}] = {_num(step.s)} + {_num(step.b)} = {_num(step.z)}",
        ),
    ]
    return "\n".join(body)


def pool_forward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int, mode: str) -> str:
    """pool_forward's loop body for one step (a trace.PoolStep)."""
    op = "np.max" if mode == "max" else "np.mean"
    body = [
        *_loops(step, i, n_H, n_W, n_C),
        *["    " + line for line in _window(step, stride, f)],
        _line(
            "                a_prev_slice = A_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]",
            f"A_prev[{i}, {_slice(step)}, {step.c}]",
        ),
        _line(
            f"                A[i, h, w, c] = {op}(a_prev_slice)",
            f"A[{i}, {step.h}, {step.w}, {step.c}] = {_num(step.value)}",
        ),
    ]
    return "\n".join(body)


def conv_backward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int) -> str:
    """conv_backward's loop body for one step (a trace.ConvBackStep)."""
    dz = f"dZ[{i}, {step.h}, {step.w}, {step.c}] = {_num(step.dz)}"
    body = [
        *_loops(step, i, n_H, n_W, n_C),
        *["    " + line for line in _window(step, stride, f)],
        _line(
            "                a_slice = a_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]",
            f"[{_slice(step)}, :]",
        ),
        _line(
            "                da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :]"
            " += W[:, :, :, c] * dZ[i, h, w, c]",
            dz,
        ),
        _line(
            "                dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
            f"dW[..., {step.c}] gets a_slice * {_num(step.dz)}",
        ),
        _line("                db[:, :, :, c] += dZ[i, h, w, c]", f"db[..., {step.c}] = {_num(step.db_c)} so far"),
    ]
    return "\n".join(body)


def pool_backward_code(step: Any, i: int, stride: int, f: int, n_H: int, n_W: int, n_C: int, mode: str) -> str:
    """pool_backward's loop body for one step (a trace.PoolBackStep)."""
    da = f"dA[{i}, {step.h}, {step.w}, {step.c}] = {_num(step.da)}"
    if mode == "max":
        tail = [
            _line(
                "                a_prev_slice = a_prev[vert_start:vert_end, horiz_start:horiz_end, c]",
                f"a_prev[{_slice(step)}, {step.c}]",
            ),
            _line("                mask = create_mask_from_window(a_prev_slice)", "True at the first maximum only"),
            _line(
                "                dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += mask * dA[i, h, w, c]", da
            ),
        ]
    else:
        tail = [
            _line("                da = dA[i, h, w, c]", da),
            _line(
                "                dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c]"
                " += distribute_value(da, (f, f))",
                f"each += {_num(step.da)} / {f * f} = {_num(step.da / (f * f))}",
            ),
        ]
    return "\n".join([*_loops(step, i, n_H, n_W, n_C), *["    " + line for line in _window(step, stride, f)], *tail])

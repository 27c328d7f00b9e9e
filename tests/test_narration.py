"""The loop text shown comes from one place and matches cnnviz.core.layers line by line."""

import inspect

import numpy as np
import pytest

from cnnviz.core import layers, windows
from cnnviz.steps import narration, trace


def _source_lines(func_name: str) -> set[str]:
    """Statements of the layer function and of the window iterator it loops over, comments stripped."""
    text = inspect.getsource(getattr(layers, func_name)) + inspect.getsource(windows.iter_windows)
    text += inspect.getsource(windows.pad_hw)
    return {line.split("  #")[0].strip() for line in text.splitlines() if line.strip()}


@pytest.mark.parametrize("key", sorted(narration.CODE))
def test_every_shown_line_is_in_the_layers_source(key):
    source = _source_lines(narration.SOURCE[key])
    yielded = inspect.getsource(windows.iter_windows)
    for line in narration.CODE[key]:
        line = line.strip()
        if line in source:
            continue
        if line.startswith("for ") and " in range(n_" in line and line.endswith("_prev):"):
            # the transposed convolution loops over its input: iter_windows(n_H_prev, n_W_prev, ...)
            assert "iter_windows(n_H_prev, n_W_prev" in "".join(source), f"{key}: {line!r} is not in the layers"
            continue
        dilated = line.replace("vert_end,", "vert_end:d,").replace("horiz_end,", "horiz_end:d,")
        if dilated in source:
            continue  # the course's slice is the dilated one with d = 1
        # The course's `vert_end = vert_start + f`: iter_windows yields vert_start + f as the Window's vert_end.
        lhs, _, rhs = line.partition(" = ")
        assert lhs in windows.Window._fields and f"{rhs}" in yielded.split("yield Window(")[1], (
            f"{key}: {line!r} is not in the layers"
        )


def test_the_check_catches_a_changed_line():
    source = _source_lines("conv_forward")
    assert "Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, :, c], b[:, :, :, c])" in source
    assert "Z[i, h, w, c] = conv_single_step(a_slice_prev, W[:, :, c, :], b[:, :, :, c])" not in source


def test_notes_line_up_with_code_and_render_values():
    rng = np.random.default_rng(0)
    A, W, b = rng.normal(size=(1, 5, 5, 2)), rng.normal(size=(3, 3, 2, 2)), rng.normal(size=(1, 1, 1, 2))
    step = trace.trace_conv_forward(A, W, b, {"stride": 1, "pad": 1}, 0, 1)[7]
    notes = narration.notes("conv_forward", step, stride=1, f=3, n_H=5, n_W=5, n_C=2)
    assert len(notes) == len(narration.code("conv_forward"))
    text = narration.conv_forward_code(step, 0, 1, 3, 5, 5, 2)
    assert f"# = {step.h} * 1 = {step.vert_start}" in text
    assert f"Z[0, 1, 2, 1] = {step.s:.3f} + {step.b:.3f} = {step.z:.3f}".replace("-0.000", "0.000") in text


def test_pool_backward_mask_note_names_the_tie_rule():
    A = np.zeros((1, 4, 4, 1))
    dA = np.ones((1, 2, 2, 1))
    _, cache = layers.pool_forward(A, {"f": 2, "stride": 2})
    step = trace.trace_pool_backward(dA, cache, "max")[0]
    kw = dict(stride=2, f=2, n_H=2, n_W=2, n_C=1, mode="max")
    first = narration.notes("pool_backward", step, ties="first", **kw)
    every = narration.notes("pool_backward", step, ties="all", **kw)
    assert any(n and "first maximum" in n["text"] for n in first)
    assert any(n and "x == max(x)" in n["text"] for n in every)

"""GIF export: one frame per sampled step, bounded size, the picture actually moves."""

import io

import numpy as np
import pytest
from PIL import Image

from cnnviz.core import layers as L
from cnnviz.draw import export as E
from cnnviz.steps import trace as T

MB = 1_000_000


def _inputs():
    """The app's defaults: m=2, 8x8x3, f=3, stride=1, pad=1, n_C=4; pooling f=2, stride=2, max."""
    rng = np.random.default_rng(4)
    A_prev = rng.standard_normal((2, 8, 8, 3))
    W, b = rng.standard_normal((3, 3, 3, 4)), rng.standard_normal((1, 1, 1, 4))
    hp = {"stride": 1, "pad": 1}
    Z, cache = L.conv_forward(A_prev, W, b, hp)
    A_int = rng.integers(-2, 3, (2, 8, 8, 3)).astype(float)
    A, pool_cache = L.pool_forward(A_int, {"f": 2, "stride": 2})
    return A_prev, W, b, hp, Z, cache, A_int, A, pool_cache, rng


A_PREV, W, B, HP, Z, CACHE, A_INT, A, POOL_CACHE, RNG = _inputs()
DZ, DA = RNG.standard_normal(Z.shape), RNG.standard_normal(A.shape)

CASES = {
    "conv_forward": (
        lambda **kw: E.conv_forward_gif(A_PREV, W, B, HP, i=1, c=3, **kw),
        len(T.trace_conv_forward(A_PREV, W, B, HP)),
    ),
    "pool_forward": (lambda **kw: E.pool_forward_gif(A_INT, {"f": 2, "stride": 2}, c=2, **kw), 16),
    "pool_forward_average": (
        lambda **kw: E.pool_forward_gif(A_INT, {"f": 3, "stride": 1}, mode="average", **kw),
        36,
    ),
    "conv_backward": (lambda **kw: E.conv_backward_gif(DZ, CACHE, i=1, c=0, **kw), 64),
    "pool_backward": (lambda **kw: E.pool_backward_gif(DA, POOL_CACHE, **kw), 16),
    "pool_backward_average": (lambda **kw: E.pool_backward_gif(DA, POOL_CACHE, mode="average", **kw), 16),
}


def _frames(gif: bytes) -> list[np.ndarray]:
    im = Image.open(io.BytesIO(gif))
    assert im.format == "GIF"
    out = []
    for k in range(im.n_frames):
        im.seek(k)
        out.append(np.asarray(im.convert("RGB")))
    return out


@pytest.mark.parametrize("name", CASES)
def test_gif_has_one_frame_per_sampled_step_and_moves(name):
    build, n_steps = CASES[name]
    gif = build()
    frames = _frames(gif)
    assert len(frames) == len(T.frame_indices(n_steps, 60))
    assert len(gif) < 2 * MB
    assert not np.array_equal(frames[0], frames[-1])
    assert all(f.shape == frames[0].shape for f in frames)


def test_gif_frame_cap_durations_and_small_palette():
    gif = CASES["conv_backward"][0](max_frames=7, frame_ms=300)
    im = Image.open(io.BytesIO(gif))
    assert im.n_frames == 7
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations[:-1] == [300] * 6 and durations[-1] > 300  # the finished picture is held
    colors = set()
    for frame in _frames(gif):
        colors |= set(map(tuple, frame.reshape(-1, 3)))
    assert len(colors) <= 64


def test_gif_size_stays_bounded_at_the_worst_settings():
    rng = np.random.default_rng(9)
    A_prev, W1, b1 = rng.standard_normal((1, 16, 16, 4)), rng.standard_normal((1, 1, 4, 8)), np.zeros((1, 1, 1, 8))
    Z16, cache = L.conv_forward(A_prev, W1, b1, {"stride": 1, "pad": 3})  # 22x22 windows: 484 steps
    gif = E.conv_backward_gif(rng.standard_normal(Z16.shape), cache)
    assert Image.open(io.BytesIO(gif)).n_frames == len(T.frame_indices(484, 60)) <= 60
    assert len(gif) < 2 * MB


def test_gif_rejects_bad_arguments():
    with pytest.raises(ValueError, match="i=5 is out of range"):
        E.conv_forward_gif(A_PREV, W, B, HP, i=5)
    with pytest.raises(ValueError, match="max_frames=0"):
        E.pool_forward_gif(A_INT, {"f": 2, "stride": 2}, max_frames=0)

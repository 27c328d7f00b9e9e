"""The lessons' tensors: A_prev from a seed or an image, the filters W and b, the upstream gradient.

Deterministic: the same settings always give the same numbers, so a shared link shows what its
author saw. The random source is ONE stream, drawn in the order a notebook cell draws it:

    np.random.seed(seed)
    A_prev = np.random.randn(m, n_H_prev, n_W_prev, n_C_prev)
    W = np.random.randn(f, f, n_C_prev, n_C)          # conv lessons only
    b = np.random.randn(1, 1, 1, n_C)                 # conv lessons only
    dZ = np.random.randn(m, n_H, n_W, n_C)            # backward lessons (dA for pooling)

(np.random.RandomState(seed) drawn in that order gives the very same numbers as the global
np.random.seed stream, without touching NumPy's global state.) `random_cell` returns that cell.

values="integers" uses the same one stream with whole numbers, so max pooling meets ties and
every product can be checked by head:
    A_prev = np.random.randint(0, 5, size=...).astype(float)     # 0..4
    W = np.random.randint(-1, 2, size=...).astype(float)         # -1, 0, 1
    b = np.zeros((1, 1, 1, n_C))                                 # nothing drawn
    dZ = np.random.randn(...)                                    # the gradient stays normal
grad="ones" draws nothing for the gradient: dZ = np.ones(...).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from cnnviz.core.errors import InputError

VALUES = ("normal", "integers")
GRADS = ("random", "ones")


@dataclass(frozen=True, eq=False)
class RandomInputs:
    """One random stream's arrays: A_prev, then (conv) W and b, then (backward) the upstream gradient.

    A_prev -- (m, n_H_prev, n_W_prev, n_C_prev)
    W -- (f, f, n_C_prev, n_C) or None; b -- (1, 1, 1, n_C) or None
    grad -- dZ (m, n_H, n_W, n_C) or dA (pooling), or None
    cell -- the notebook cell that draws the same numbers
    """

    A_prev: np.ndarray
    W: np.ndarray | None
    b: np.ndarray | None
    grad: np.ndarray | None
    cell: str


def _check(values: str, grad: str) -> None:
    if values not in VALUES:
        raise InputError(f'values={values!r} is unknown; use "normal" or "integers"')
    if grad not in GRADS:
        raise InputError(f'grad={grad!r} is unknown; use "random" or "ones"')


def _shape_text(shape: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(int(n)) for n in shape) + ("," if len(shape) == 1 else "") + ")"


def random_inputs(
    seed: int,
    A_prev_shape: tuple[int, int, int, int],
    W_shape: tuple[int, int, int, int] | None = None,
    grad_shape: tuple[int, ...] | None = None,
    values: str = "normal",
    grad: str = "random",
    grad_name: str = "dZ",
) -> RandomInputs:
    """A_prev, then W and b (if W_shape), then the upstream gradient (if grad_shape), from one seeded stream.

    Arguments:
    seed -- np.random.seed(seed)
    A_prev_shape -- (m, n_H_prev, n_W_prev, n_C_prev)
    W_shape -- (f, f, n_C_prev, n_C) for the conv lessons, None for pooling / zero padding (b is (1, 1, 1, n_C))
    grad_shape -- shape of Z or A for a backward lesson, None otherwise
    values -- "normal" (randn, as the course) or "integers" (see the module docstring)
    grad -- "random" (randn) or "ones"
    grad_name -- what the cell calls the gradient: "dZ" (conv) or "dA" (pooling)

    Returns:
    inputs -- RandomInputs(A_prev, W, b, grad, cell)
    """
    _check(values, grad)
    rng = np.random.RandomState(seed)
    lines = [f"np.random.seed({int(seed)})"]
    a_shape = tuple(int(n) for n in A_prev_shape)
    if values == "integers":
        A_prev = rng.randint(0, 5, size=a_shape).astype(np.float64)
        lines.append(f"A_prev = np.random.randint(0, 5, size={_shape_text(a_shape)}).astype(float)")
    else:
        A_prev = rng.randn(*a_shape)
        lines.append(f"A_prev = np.random.randn({', '.join(map(str, a_shape))})")
    W = b = None
    if W_shape is not None:
        w_shape = tuple(int(n) for n in W_shape)
        b_shape = (1, 1, 1, w_shape[3])
        if values == "integers":
            W = rng.randint(-1, 2, size=w_shape).astype(np.float64)
            b = np.zeros(b_shape)
            lines.append(f"W = np.random.randint(-1, 2, size={_shape_text(w_shape)}).astype(float)")
            lines.append(f"b = np.zeros({_shape_text(b_shape)})")
        else:
            W = rng.randn(*w_shape)
            b = rng.randn(*b_shape)
            lines.append(f"W = np.random.randn({', '.join(map(str, w_shape))})")
            lines.append(f"b = np.random.randn({', '.join(map(str, b_shape))})")
    g = None
    if grad_shape is not None:
        g_shape = tuple(int(n) for n in grad_shape)
        if grad == "ones":
            g = np.ones(g_shape)
            lines.append(f"{grad_name} = np.ones({_shape_text(g_shape)})")
        else:
            g = rng.randn(*g_shape)
            lines.append(f"{grad_name} = np.random.randn({', '.join(map(str, g_shape))})")
    return RandomInputs(A_prev=A_prev, W=W, b=b, grad=g, cell="\n".join(lines))


def transpose_inputs(
    seed: int, A_prev_shape: tuple[int, int, int, int], f: int, n_C: int, values: str = "normal"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(A_prev, W, b) for conv_transpose_forward from one seeded stream, in that order.

    W has the transposed convolution's layout (f, f, n_C, n_C_prev) and b (1, 1, 1, n_C); "integers"
    as in random_inputs (A_prev in 0..4, W in {-1, 0, 1}, b = 0).
    """
    _check(values, "random")
    rng = np.random.RandomState(seed)
    (m, n_H_prev, n_W_prev, n_C_prev) = (int(n) for n in A_prev_shape)
    if values == "integers":
        A_prev = rng.randint(0, 5, size=(m, n_H_prev, n_W_prev, n_C_prev)).astype(np.float64)
        W = rng.randint(-1, 2, size=(f, f, n_C, n_C_prev)).astype(np.float64)
        return A_prev, W, np.zeros((1, 1, 1, n_C))
    A_prev = rng.randn(m, n_H_prev, n_W_prev, n_C_prev)
    return A_prev, rng.randn(f, f, n_C, n_C_prev), rng.randn(1, 1, 1, n_C)


def random_cell(
    seed: int,
    A_prev_shape: tuple[int, int, int, int],
    W_shape: tuple[int, int, int, int] | None = None,
    grad_shape: tuple[int, ...] | None = None,
    values: str = "normal",
    grad: str = "random",
    grad_name: str = "dZ",
) -> str:
    """The notebook cell that draws random_inputs(...)'s arrays.

    E.g. "np.random.seed(1)\nA_prev = np.random.randn(2, 8, 8, 3)\nW = np.random.randn(3, 3, 3, 4)\n...".
    """
    return random_inputs(seed, A_prev_shape, W_shape, grad_shape, values, grad, grad_name).cell


def random_tensor(seed: int, m: int, n_H_prev: int, n_W_prev: int, n_C_prev: int, values: str = "normal") -> np.ndarray:
    """A_prev of shape (m, n_H_prev, n_W_prev, n_C_prev): the stream's first draw (see random_inputs).

    values -- "normal": np.random.randn after np.random.seed(seed), as in the course;
              "integers": whole numbers 0..4, so max pooling meets ties.
    """
    return random_inputs(seed, (m, n_H_prev, n_W_prev, n_C_prev), values=values).A_prev


def image_tensor(image: np.ndarray, n_H_prev: int, n_W_prev: int) -> np.ndarray:
    """An (H, W, C) image in [0, 1] resized (area average) to A_prev of shape (1, n_H_prev, n_W_prev, C)."""
    image = np.asarray(image, dtype=np.float32)
    if image.ndim == 2:
        image = image[:, :, None]
    channels = [
        np.asarray(Image.fromarray(image[:, :, k], mode="F").resize((n_W_prev, n_H_prev), Image.Resampling.BOX))
        for k in range(image.shape[2])
    ]
    return np.stack(channels, axis=-1)[None].astype(np.float64)


def conv_params(
    seed: int,
    f: int,
    n_C_prev: int,
    n_C: int,
    values: str = "normal",
    A_prev_shape: tuple[int, int, int, int] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """W of shape (f, f, n_C_prev, n_C) and b of shape (1, 1, 1, n_C), drawn after A_prev on the one stream.

    A_prev_shape -- the A_prev drawn first (random_inputs); None: W is the stream's first draw.
    "integers" gives weights in {-1, 0, 1} and b = 0, so every product can be checked by head.
    """
    if A_prev_shape is None:
        rng = np.random.RandomState(seed)
        _check(values, "random")
        if values == "integers":
            return rng.randint(-1, 2, size=(f, f, n_C_prev, n_C)).astype(np.float64), np.zeros((1, 1, 1, n_C))
        return rng.randn(f, f, n_C_prev, n_C), rng.randn(1, 1, 1, n_C)
    drawn = random_inputs(seed, A_prev_shape, (f, f, n_C_prev, n_C), values=values)
    return drawn.W, drawn.b


def upstream_gradient(
    seed: int,
    shape: tuple[int, ...],
    kind: str = "random",
    A_prev_shape: tuple[int, int, int, int] | None = None,
    W_shape: tuple[int, int, int, int] | None = None,
    values: str = "normal",
) -> np.ndarray:
    """dZ or dA fed to a backward pass: standard normal ("random") or all ones ("ones").

    Drawn from the one stream after A_prev (A_prev_shape) and, for convolution, W and b (W_shape),
    as random_inputs does; with A_prev_shape None it is the stream's first draw.
    """
    if A_prev_shape is None:
        _check("normal", kind)
        return np.ones(shape) if kind == "ones" else np.random.RandomState(seed).randn(*shape)
    return random_inputs(seed, A_prev_shape, W_shape, shape, values, kind).grad

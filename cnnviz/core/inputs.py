"""The lessons' tensors: A_prev from a seed or an image, the filters W and b, the upstream gradient.

Deterministic: the same settings always give the same numbers, so a shared link shows what its
author saw. The seeding follows the course (np.random.seed then np.random.randn).
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def random_tensor(seed: int, m: int, n_H_prev: int, n_W_prev: int, n_C_prev: int, values: str = "normal") -> np.ndarray:
    """A_prev of shape (m, n_H_prev, n_W_prev, n_C_prev).

    values -- "normal": np.random.randn after np.random.seed(seed), as in the course;
              "integers": whole numbers 0..4, so max pooling meets ties.
    """
    rng = np.random.RandomState(seed)
    shape = (m, n_H_prev, n_W_prev, n_C_prev)
    if values == "integers":
        return rng.randint(0, 5, size=shape).astype(np.float64)
    return rng.randn(*shape)


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


def conv_params(seed: int, f: int, n_C_prev: int, n_C: int, values: str = "normal") -> tuple[np.ndarray, np.ndarray]:
    """W of shape (f, f, n_C_prev, n_C) and b of shape (1, 1, 1, n_C).

    "integers" gives weights in {-1, 0, 1} and b = 0, so every product can be checked by head.
    """
    rng = np.random.RandomState(seed + 1)
    if values == "integers":
        W = rng.randint(-1, 2, size=(f, f, n_C_prev, n_C)).astype(np.float64)
        return W, np.zeros((1, 1, 1, n_C))
    return rng.randn(f, f, n_C_prev, n_C), rng.randn(1, 1, 1, n_C)


def upstream_gradient(seed: int, shape: tuple[int, ...], kind: str = "random") -> np.ndarray:
    """dZ or dA fed to a backward pass: standard normal ("random") or all ones ("ones")."""
    if kind == "ones":
        return np.ones(shape)
    return np.random.RandomState(seed + 2).randn(*shape)

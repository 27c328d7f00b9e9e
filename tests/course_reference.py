"""What each course cell prints, recomputed without cnnviz.core.course, and the notebooks' published outputs.

- `reference(example, impl)`: every printed quantity, in the cell's print order, computed from the
  cell's own draws (np.random.seed + randn) by `impl`: "layers" (cnnviz.core.layers), "fast"
  (cnnviz.core.fast) or "torch" (PyTorch, the oracle). The 2017 notebook's bias rule (b added to
  each product) is applied here as that notebook writes it, independently of course.conv_bias.
- `page_numbers(text)`: the numbers of a printout as shown (labels stripped), for comparison.
- `published(version, key)` and `check_against_published(text, published_text)`: the notebook's own
  printed output (tests/data/published_outputs.json), compared in layout exactly and in numbers to
  the digits the notebook printed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from cnnviz.core import course, fast, layers

DATA = Path(__file__).resolve().parent / "data" / "published_outputs.json"
GRADED = ("2023", "2021-2022")


def published(version: str, key: str) -> str:
    return json.loads(DATA.read_text(encoding="utf-8"))["printed"][version][key]


def published_inputs(version: str, key: str) -> list[str]:
    return json.loads(DATA.read_text(encoding="utf-8"))["inputs"][version][key]


def input_statements(code: str) -> list[str]:
    """The statements of a cell that make its inputs: seeds, randn draws, hparameters dicts, zero_pad's pad."""
    keep = []
    for line in code.split("\n"):
        t = line.split("#")[0].strip()
        if (
            t.startswith("np.random.seed")
            or "np.random.randn(" in t
            or re.match(r"hparameters\w* = \{", t)
            or "zero_pad(x," in t
        ):
            keep.append(t)
    return keep


def same_statements(ours: list[str], theirs: list[str]) -> bool:
    """Equal up to spaces ("randn(10,4,4,3)" is "randn(10, 4, 4, 3)")."""
    return [re.sub(r"\s", "", t) for t in ours] == [re.sub(r"\s", "", t) for t in theirs]


def published_key(example: course.Example) -> str:
    return f"pool_forward/{example.case}" if example.case else example.function


def cell_arrays(example: course.Example) -> dict[str, np.ndarray]:
    """The cell's draws through NumPy's global stream, as the notebook makes them."""
    if example.seed is None:
        return {}
    np.random.seed(example.seed)
    return {name: np.random.randn(*shape) for name, shape in example.draws}


def _nchw(torch, X):
    return torch.from_numpy(np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)), dtype=np.float64))


def _nhwc(t):
    return t.detach().numpy().transpose(0, 2, 3, 1)


def _conv(impl: str, A_prev, W, b, hp, version):
    """Z and dA, dW, db (dZ = Z) by impl; 2017: every product carries b (s = a_slice_prev * W + b)."""
    k = W.shape[0] * W.shape[1] * W.shape[2] if version == "2017" else 1
    if impl == "torch":
        import torch

        x = _nchw(torch, A_prev).requires_grad_()
        w = torch.from_numpy(np.transpose(W, (3, 2, 0, 1)).copy()).requires_grad_()
        bias = torch.from_numpy(b.reshape(-1).copy()).requires_grad_()
        Z = torch.nn.functional.conv2d(x, w, stride=hp["stride"], padding=hp["pad"]) + k * bias.view(1, -1, 1, 1)
        Z.backward(Z.detach().clone())
        grads = (
            _nhwc(x.grad),
            np.transpose(w.grad.numpy(), (2, 3, 1, 0)),
            bias.grad.numpy().reshape(1, 1, 1, -1) / k,
        )  # db = sum of dZ
        return _nhwc(Z), grads
    mod = layers if impl == "layers" else fast
    Z, cache = mod.conv_forward(A_prev, W, b * k, hp)
    return Z, mod.conv_backward(Z, cache)


def _pool(impl: str, A_prev, hp, mode):
    if impl == "torch":
        import torch

        F = torch.nn.functional
        pool = F.max_pool2d if mode == "max" else F.avg_pool2d
        return _nhwc(pool(_nchw(torch, A_prev), hp["f"], hp["stride"]))
    return (layers if impl == "layers" else fast).pool_forward(A_prev, hp, mode)[0]


def _pool_back(impl: str, A_prev, dA, hp, mode):
    if impl == "torch":
        import torch

        F = torch.nn.functional
        pool = F.max_pool2d if mode == "max" else F.avg_pool2d
        x = _nchw(torch, A_prev).requires_grad_()
        pool(x, hp["f"], hp["stride"]).backward(_nchw(torch, dA))
        return _nhwc(x.grad)
    return (layers if impl == "layers" else fast).pool_backward(dA, (A_prev, dict(hp)), mode)


def reference(example: course.Example, impl: str = "layers") -> list[Any]:
    """Every quantity the cell prints, in print order ("max"/"average" mode words left out)."""
    a, hp, v, fn = cell_arrays(example), dict(example.hparameters), example.version, example.function
    if fn == "zero_pad":
        x = a["x"]
        x_pad = np.pad(x, ((0, 0), (hp["pad"],) * 2, (hp["pad"],) * 2, (0, 0))) if impl != "layers" else None
        x_pad = layers.zero_pad(x, hp["pad"]) if x_pad is None else x_pad
        out = [x.shape, x_pad.shape, x[1, 1], x_pad[1, 1]]
        return out + out + [x_pad[0, 0:2, :, 0]] if v in GRADED else out
    if fn == "conv_single_step":
        s, W, b = a["a_slice_prev"], a["W"], a["b"]
        if impl == "layers":
            return [float(layers.conv_single_step(s, W, b * (W.size if v == "2017" else 1)))]
        Z, _ = _conv(impl, s[None], W[..., None], b.reshape(1, 1, 1, 1), {"stride": 1, "pad": 0}, v)
        return [float(Z[0, 0, 0, 0])]
    if fn in ("conv_forward", "conv_backward"):
        Z, (dA, dW, db) = _conv(impl, a["A_prev"], a["W"], a["b"], hp, v)
        if fn == "conv_backward":
            return [float(np.mean(dA)), float(np.mean(dW)), float(np.mean(db))]
        where = (0, 2, 1) if v in GRADED else (3, 2, 1)
        return [float(np.mean(Z))] + ([] if v == "2017" else [Z[where]]) + [a["A_prev"][1][2][3]]
    if fn == "pool_forward":
        out: list[Any] = []
        for k, mode in enumerate(("max", "average")):
            A = _pool(impl, a["A_prev"], hp, mode)
            out += [] if v in ("2017", "2018") else [A.shape]
            if v in GRADED:
                out.append(A[1, 1] if example.case == 1 else A[k])
            else:
                out.append(A)
        return out
    if fn == "create_mask_from_window":
        x = a["x"]
        return [x, layers.create_mask_from_window(x, "all") if impl == "layers" else x == np.max(x)]
    if fn == "distribute_value":
        return [layers.distribute_value(2, (2, 2)) if impl == "layers" else np.full((2, 2), 2 / 4)]
    if fn == "pool_backward":
        A_prev, dA = a["A_prev"], a["dA"]
        out = [_pool(impl, A_prev, hp, "max").shape, A_prev.shape] if v in GRADED else []
        for mode in ("max", "average"):
            out += [float(np.mean(dA)), _pool_back(impl, A_prev, dA, hp, mode)[1, 1]]
        return out
    raise AssertionError(f"no reference for {fn}")


def flat(values: list[Any]) -> np.ndarray:
    """The values as one float vector (shapes as their ints, booleans as 0/1)."""
    parts = [np.asarray(v, dtype=np.float64).ravel() for v in values]
    return np.concatenate(parts) if parts else np.zeros(0)


_LABEL = re.compile(r"^(?:CASE \d+:|[A-Za-z][\w'. ,\[\]]*?=)", re.MULTILINE)
_NUMBER = re.compile(r"True|False|-?\d+(?:\.\d*)?(?:e[-+]?\d+)?")


def page_numbers(text: str) -> np.ndarray:
    """The numbers a printout shows, in order, its labels (with their indices) stripped."""
    body = _LABEL.sub("", text)
    return np.array([1.0 if t == "True" else 0.0 if t == "False" else float(t) for t in _NUMBER.findall(body)])


def _skeleton(text: str) -> str:
    """The printout's layout: numbers as #, whitespace inside a printed array's brackets dropped."""
    text = _NUMBER.sub("#", text)
    out, depth = [], 0
    for i, ch in enumerate(text):
        if depth == 0 and ch == "[" and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_]#")):
            depth = 1
        elif depth and ch == "[":
            depth += 1
        elif depth and ch == "]":
            depth -= 1
        elif depth and ch.isspace():
            continue
        out.append(ch)
    return "".join(out)


def _tolerance(token: str) -> float:
    """Half a unit in the last digit the notebook printed (arrays print at least 8 decimals)."""
    if token in ("True", "False") or "." not in token:
        return 0.0
    mantissa, _, exponent = token.partition("e")
    decimals = len(mantissa.split(".")[1])
    return 0.51 * 10.0 ** (int(exponent or 0) - max(decimals, 8))


def check_against_published(text: str, notebook_text: str) -> None:
    """Same layout (labels, line breaks, blank lines, separators) and the same numbers to the printed digits."""
    assert _skeleton(text) == _skeleton(notebook_text), f"layout differs:\n{text}\n--- notebook ---\n{notebook_text}"
    ours, theirs = _NUMBER.findall(text), _NUMBER.findall(notebook_text)
    assert len(ours) == len(theirs)
    for mine, printed in zip(ours, theirs, strict=True):
        if printed in ("True", "False"):
            assert mine == printed
        else:
            assert abs(float(mine) - float(printed)) <= _tolerance(printed), (mine, printed)

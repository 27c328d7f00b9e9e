"""What NumPy 1.x (the course's) did that NumPy 2 refuses, and the note a student gets when their code relied on it.

The runner (cnnviz/check/_runner.py) makes these conversions the way NumPy 1.x made them and reports
each one ({"kind", "shape", "where"}); the verdict is then the same as under NumPy 1.x, with a note.
"""

from __future__ import annotations

# kind -> (what NumPy 2 says, the note; {shape} and {where} are filled in)
CATALOGUE: dict[str, tuple[str, str]] = {
    "store": (
        "ValueError: setting an array element with a sequence.",
        "In {where}, a value of shape {shape} is stored into one cell (e.g. `Z[i, h, w, c] = "
        "conv_single_step(...)` where conv_single_step returns `np.sum(s) + b`, an array of shape {shape}). "
        "NumPy 1.x, which the course used, turned it into a number when it was stored; NumPy 2 refuses "
        '("setting an array element with a sequence"). The checker stored it as NumPy 1.x did. To run under '
        "NumPy 2 as well, return a number: `np.sum(s) + b.item()` (or `float(np.sum(s) + b.item())`).",
    ),
    "float()": (
        "TypeError: only 0-dimensional arrays can be converted to Python scalars",
        "In {where}, `float(...)` is given an array of shape {shape} (e.g. `float(b)` with b of shape "
        '(1, 1, 1)). NumPy 1.x, which the course used, gave its one number; NumPy 2 refuses ("only '
        '0-dimensional arrays can be converted to Python scalars"). The checker converted it as NumPy 1.x '
        "did. To run under NumPy 2 as well, write `b.item()` (or `float(b.item())`, or `float(b[0, 0, 0])`).",
    ),
    "returned": (
        "(nothing raises here: it raises where the value is stored, in conv_forward)",
        "Your {where} returns an array of shape {shape}, not a number (the course's `np.sum(s) + b` with b of "
        "shape (1, 1, 1)). The checker compares its one number, as the course did. NumPy 1.x, which the course "
        'used, turned it into a number where conv_forward stored it; NumPy 2 refuses ("setting an array element '
        'with a sequence"). To run under NumPy 2 as well, return `np.sum(s) + b.item()`.',
    ),
    "int()": (
        "TypeError: only 0-dimensional arrays can be converted to Python scalars",
        "In {where}, `int(...)` is given an array of shape {shape}. NumPy 1.x, which the course used, gave "
        'its one number; NumPy 2 refuses ("only 0-dimensional arrays can be converted to Python scalars"). '
        "The checker converted it as NumPy 1.x did. To run under NumPy 2 as well, write `int(x.item())`.",
    ),
}


def words(note: dict) -> str:
    """The note for one conversion the runner reported."""
    _, text = CATALOGUE.get(note.get("kind", ""), ("", "In {where}: a NumPy 1.x conversion of shape {shape}."))
    return text.format(shape=tuple(note.get("shape", ())), where=note.get("where", "your code"))


def returned(function: str, results) -> list[dict]:
    """A conv_single_step that returns a size-1 array of more than 0 dimensions: one "returned" note."""
    for r in results:
        a = r.arrays.get("r") if r.status == "returned" else None
        if function == "conv_single_step" and a is not None and a.ndim > 0 and a.size == 1:
            return [{"kind": "returned", "shape": list(a.shape), "where": function}]
    return []


def notes(results, function: str = "") -> list[str]:
    """The distinct notes of every case's result (CaseResult.notes) and of `function`'s returns, each once."""
    seen, out = set(), []
    for n in [*(n for r in results for n in getattr(r, "notes", [])), *returned(function, results)]:
        key = (n.get("kind"), tuple(n.get("shape", ())), n.get("where"))
        if key not in seen:
            seen.add(key)
            out.append(words(n))
    return out

"""The storyboard contract, typed: what cnnviz.steps.storyboard builds and every player host reads.

The TypedDicts below are the contract (the storyboard module's docstring says what each field
means); `json_schema()` derives a JSON Schema (draft 2020-12) from them, committed as
board.schema.json beside this file and shipped with the package (a test checks the two agree,
another validates every builder's boards). Regenerate after a change:

    python -m cnnviz.steps.schema
"""

from __future__ import annotations

import json
import sys
import types
import typing
from pathlib import Path
from typing import Literal, NotRequired, TypedDict, Union

VERSION = 2
SCHEMA_FILE = Path(__file__).with_name("board.schema.json")

Lesson = Literal["zero_pad", "conv_forward", "pool_forward", "conv_backward", "pool_backward", "conv_transpose_forward"]
Rect = tuple[int, int, int, int]  # rows r0..r1-1, columns c0..c1-1 of one panel (half-open)
B64 = str  # base64 of little-endian float64 bytes, row-major
ByRole = dict[str, dict[str, list[Rect]]]  # {role: {panel_name: [Rect, ...]}}
Set = tuple[int, int, int, int, B64]  # accumulator cells [r0:r1, c0:c1] after this step
Add = tuple[int, int, int, int, str, int, int, float]  # [r0:r1, c0:c1] += src[sr0.., sc0..] * factor


class SignedScale(TypedDict):
    kind: Literal["signed"]
    vmax: float


class SequentialScale(TypedDict):
    kind: Literal["sequential"]
    vmin: float
    vmax: float


class Panel(TypedDict):
    name: str
    array: str
    channel: int | None
    title: str
    group: str
    role: Literal["input", "filter", "output", "work", "gradient"]
    shape: tuple[int, int]
    values: B64
    scale: SignedScale | SequentialScale
    row0: int
    col0: int
    written_at: list[int] | None
    accumulates: bool
    toggle: str | None


class Line(TypedDict):
    text: str  # "{k}" is vals[k] at the chosen precision
    vals: list[float]


class Step(TypedDict):
    label: str
    h: int | None
    w: int | None
    overlays: ByRole
    sets: dict[str, Set]
    adds: NotRequired[dict[str, Add]]
    numbers: list[Line]
    notes: list[Line | None]


class Style(TypedDict):
    roles: dict[str, str]
    diverging: list[str]
    sequential: list[str]
    text: str
    text_on_dark: str
    grid: str
    background: str
    decimals: list[int]
    luma: list[float]  # text on a fill is text_on_dark when luma . (r, g, b) < dark_below
    dark_below: float


class Board(TypedDict):
    version: Literal[2]
    lesson: Lesson
    title: str
    n_steps: int
    panels: list[Panel]
    static: ByRole
    steps: list[Step]
    code: list[str]
    legend: dict[str, str]
    toggles: dict[str, str]
    id: str
    style: Style
    ties: NotRequired[Literal["first", "all"]]
    tie_rule: NotRequired[str]


def _schema(t: typing.Any, defs: dict[str, dict]) -> dict:
    """The JSON Schema of one annotation; TypedDicts go into `defs` once, by name."""
    origin, args = typing.get_origin(t), typing.get_args(t)
    if t is type(None):
        return {"type": "null"}
    if t is bool:
        return {"type": "boolean"}
    if t is int:
        return {"type": "integer"}
    if t is float:
        return {"type": "number"}
    if t is str:
        return {"type": "string"}
    if origin is Literal:
        return {"enum": list(args)} if len(args) > 1 else {"const": args[0]}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_schema(a, defs) for a in args]}
    if origin is list:
        return {"type": "array", "items": _schema(args[0], defs)}
    if origin is tuple:
        items = [_schema(a, defs) for a in args]
        return {"type": "array", "prefixItems": items, "items": False, "minItems": len(items)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _schema(args[1], defs)}
    if typing.is_typeddict(t):
        name = t.__name__
        if name not in defs:
            defs[name] = {}  # a placeholder while its fields are made
            hints = typing.get_type_hints(t, include_extras=True)
            props, required = {}, []
            for key, hint in hints.items():
                if typing.get_origin(hint) is NotRequired:
                    hint = typing.get_args(hint)[0]
                else:
                    required.append(key)
                props[key] = _schema(hint, defs)
            defs[name] = {"type": "object", "properties": props, "required": required, "additionalProperties": False}
        return {"$ref": f"#/$defs/{name}"}
    raise TypeError(f"no JSON Schema for {t!r}")


def json_schema() -> dict:
    """The Board contract as a JSON Schema (draft 2020-12)."""
    defs: dict[str, dict] = {}
    root = _schema(Board, defs)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "cnnviz/board.schema.json",
        "title": f"cnnviz storyboard, version {VERSION}",
        "description": "Generated from cnnviz/steps/schema.py (python -m cnnviz.steps.schema); do not edit.",
        **root,
        "$defs": defs,
    }


def text() -> str:
    """The schema file's text (what board.schema.json holds)."""
    return json.dumps(json_schema(), indent=1) + "\n"


def load() -> dict:
    """The shipped schema file."""
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


if __name__ == "__main__":
    SCHEMA_FILE.write_text(text(), encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}", file=sys.stderr)

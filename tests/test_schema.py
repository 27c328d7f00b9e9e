"""The storyboard contract: a JSON Schema generated from the TypedDicts, shipped, and every board valid."""

import json

import jsonschema
import pytest
from boards import LESSONS, board, boards
from hypothesis import given, settings

from cnnviz.steps import schema, storyboard

VALIDATOR = jsonschema.Draft202012Validator(schema.load())


def test_the_committed_schema_is_the_generated_one():
    assert schema.SCHEMA_FILE.read_text() == schema.text(), "run: python -m cnnviz.steps.schema"
    jsonschema.Draft202012Validator.check_schema(schema.load())


def test_one_version_number():
    assert storyboard.VERSION == schema.VERSION == schema.load()["$defs"]["Board"]["properties"]["version"]["const"]


@pytest.mark.parametrize("lesson", LESSONS)
def test_each_lessons_board_is_valid(lesson):
    b = json.loads(json.dumps(board(lesson)))  # as the browser receives it
    VALIDATOR.validate(b)


@settings(max_examples=60, deadline=None)
@given(b=boards())
def test_every_board_the_builders_make_is_valid(b):
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATOR.iter_errors(b)]
    assert not errors, errors[:5]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("version",), 1),
        (("panels", 0, "shape"), [3]),
        (("steps", 0, "sets"), {"Z": [0, 1, 0, 1]}),
        (("style", "luma"), "0.299"),
        (("lesson",), "conv_sideways"),
    ],
)
def test_a_broken_board_is_caught(path, value):
    b = json.loads(json.dumps(board("conv_forward")))
    target = b
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    assert not VALIDATOR.is_valid(b)


def test_a_field_outside_the_contract_is_caught():
    b = json.loads(json.dumps(board("pool_forward")))
    b["panels"][0]["colour"] = "red"
    assert not VALIDATOR.is_valid(b)


def test_dilated_and_transposed_boards_are_valid():
    from cnnviz.core import inputs, layers
    from cnnviz.steps.transposed import conv_transpose_forward_board

    A_prev = inputs.random_tensor(3, 1, 6, 6, 2)
    W, b = inputs.conv_params(3, 3, 2, 2)
    hp = {"stride": 1, "pad": 1, "dilation": 2}
    Z, cache = layers.conv_forward(A_prev, W, b, hp)
    dilated = [storyboard.conv_forward_board(A_prev, W, b, hp), storyboard.conv_backward_board(Z, cache)]
    assert any(len(rects) > 1 for s in dilated[0]["steps"] for rects in s["overlays"]["window"].values())
    transposed = conv_transpose_forward_board(A_prev, W, b, {"stride": 2, "pad": 1})
    for b_ in [*dilated, transposed]:
        VALIDATOR.validate(json.loads(json.dumps(b_)))

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

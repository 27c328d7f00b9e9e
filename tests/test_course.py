"""Course examples: the recipes draw what the notebook cells draw, and the printouts are right.

Every printed quantity is recomputed here without cnnviz.core.course (by cnnviz.core.layers called
as the notebook calls it, and by PyTorch), and compared with course.printout.
"""

import json
import re
from pathlib import Path

import numpy as np
import pytest

from cnnviz.core import course, layers
from cnnviz.core.errors import InputError

# The notebook's printed outputs, kept in the repository as test data (tests read nothing outside it).
PUBLISHED_OUTPUTS = Path(__file__).resolve().parent / "data" / "published_outputs.json"
EXAMPLES = [pytest.param(e, id=e.key) for v in course.VERSIONS for e in course.examples(v)]


def printed(example, ties="first"):
    return dict(course.printout(example, ties))


def as_list(example, ties="first"):
    return course.printout(example, ties)


def test_versions_newest_first_and_every_page_has_an_animated_example():
    assert course.VERSIONS == ("2021-2022", "2020", "2018")
    for version in course.VERSIONS:
        for page in course.PAGES:
            assert course.examples(version, page, animates=True), (version, page)
    assert len(course.examples("2020", "pool_forward")) == 2  # case 1 stride 1, case 2 stride 2
    assert len(course.examples("2018", "pool_forward")) == 1
    with pytest.raises(InputError, match="2021-2022, 2020, 2018"):
        course.examples("2019")


@pytest.mark.parametrize("example", EXAMPLES)
def test_draw_equals_the_global_seed_stream_of_the_cell(example):
    scope = {"np": np}
    exec(example.cell, scope)  # noqa: S102 - the cell text the page shows
    for name, value in course.draw(example).items():
        np.testing.assert_array_equal(scope[name], value, err_msg=name)
    if example.hparameters and example.function != "zero_pad":
        assert scope["hparameters"] == dict(example.hparameters)
    assert example.function + "(" in example.calls


@pytest.mark.parametrize("example", EXAMPLES)
def test_printout_equals_layers_called_as_the_notebook_calls_them(example):
    np.random.seed(example.seed or 0)
    a = {name: np.random.randn(*shape) for name, shape in example.draws}
    hp = dict(example.hparameters)
    lines = as_list(example)
    labels = [label for label, _ in lines]
    got = dict(lines)
    if example.function == "conv_forward":
        Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], a["b"], hp)
        idx = "Z[0,2,1] =" if example.version == "2021-2022" else "Z[3,2,1] ="
        assert labels == ["Z's mean =", idx, "cache_conv[0][1][2][3] ="]
        assert got["Z's mean ="] == np.mean(Z)
        i, h, w = map(int, re.findall(r"\d", idx))
        np.testing.assert_array_equal(got[idx], Z[i, h, w])
        np.testing.assert_array_equal(got["cache_conv[0][1][2][3] ="], a["A_prev"][1][2][3])
    elif example.function == "conv_backward":
        Z, cache_conv = layers.conv_forward(a["A_prev"], a["W"], a["b"], hp)
        dA, dW, db = layers.conv_backward(Z, cache_conv)
        assert got == {"dA_mean =": np.mean(dA), "dW_mean =": np.mean(dW), "db_mean =": np.mean(db)}
    elif example.function == "conv_single_step":
        assert got == {"Z =": layers.conv_single_step(a["a_slice_prev"], a["W"], a["b"])}
    elif example.function == "zero_pad":
        assert labels == ["x.shape =", "x_pad.shape =", "x[1,1] =", "x_pad[1,1] ="]
        np.testing.assert_array_equal(got["x_pad[1,1] ="], layers.zero_pad(a["x"], 2)[1, 1])
    elif example.function == "pool_forward":
        values = [v for label, v in lines if label != "mode ="]
        shown = [label for label in labels if label != "mode ="]
        for k, mode in enumerate(("max", "average")):
            A, _ = layers.pool_forward(a["A_prev"], hp, mode)
            per_mode = len(values) // 2
            want = A[1, 1] if example.version == "2021-2022" else A
            np.testing.assert_array_equal(values[k * per_mode + per_mode - 1], want)
            if example.version != "2018":
                assert values[k * per_mode] == A.shape and shown[k * per_mode] == "A.shape ="
        assert [v for label, v in lines if label == "mode ="] == ["max", "average"]
    elif example.function == "create_mask_from_window":
        np.testing.assert_array_equal(got["mask ="], a["x"] == np.max(a["x"]))
    elif example.function == "distribute_value":
        np.testing.assert_array_equal(got["distributed value ="], np.full((2, 2), 0.5))
    elif example.function == "pool_backward":
        _, cache = layers.pool_forward(a["A_prev"], hp)
        means = [v for label, v in lines if label == "mean of dA ="]
        prints = [v for label, v in lines if label == "dA_prev[1,1] ="]
        assert means == [np.mean(a["dA"])] * 2
        np.testing.assert_array_equal(prints[0], layers.pool_backward(a["dA"], cache, "max")[1, 1])
        np.testing.assert_array_equal(prints[1], layers.pool_backward(a["dA"], cache, "average")[1, 1])
    else:
        pytest.fail(f"untested cell {example.function}")


def nchw(torch, X):
    return torch.from_numpy(np.ascontiguousarray(np.transpose(X, (0, 3, 1, 2)), dtype=np.float64))


@pytest.mark.torch
@pytest.mark.parametrize("version", course.VERSIONS)
def test_printouts_match_the_torch_oracle(torch_or_skip, version):
    torch = torch_or_skip
    F = torch.nn.functional
    for example in course.examples(version):
        a, hp, got = course.draw(example), dict(example.hparameters), printed(example)
        if example.function in ("conv_forward", "conv_backward"):
            x = nchw(torch, a["A_prev"]).requires_grad_()
            w = torch.from_numpy(np.transpose(a["W"], (3, 2, 0, 1)).copy()).requires_grad_()
            bias = torch.from_numpy(a["b"].reshape(-1).copy()).requires_grad_()
            Z = F.conv2d(x, w, bias, stride=hp["stride"], padding=hp["pad"])
            Z_nhwc = Z.detach().numpy().transpose(0, 2, 3, 1)
            if example.function == "conv_forward":
                assert got["Z's mean ="] == pytest.approx(float(Z.detach().mean()), rel=1e-12)
                idx = (0, 2, 1) if version == "2021-2022" else (3, 2, 1)
                label = f"Z[{idx[0]},{idx[1]},{idx[2]}] ="
                np.testing.assert_allclose(got[label], Z_nhwc[idx], rtol=1e-11, atol=1e-11)
            else:
                Z.backward(Z.detach().clone())  # dZ = Z, as the notebook
                assert got["dA_mean ="] == pytest.approx(float(x.grad.mean()), rel=1e-11)
                assert got["dW_mean ="] == pytest.approx(float(w.grad.mean()), rel=1e-11)
                assert got["db_mean ="] == pytest.approx(float(bias.grad.mean()), rel=1e-11)
        elif example.function == "pool_forward":
            x = nchw(torch, a["A_prev"])
            outs = [F.max_pool2d(x, hp["f"], hp["stride"]), F.avg_pool2d(x, hp["f"], hp["stride"])]
            values = [v for label, v in course.printout(example) if label in ("A =", "A[1,1] =")]
            for value, out in zip(values, outs, strict=True):
                A = out.numpy().transpose(0, 2, 3, 1)
                np.testing.assert_allclose(value, A[1, 1] if version == "2021-2022" else A, rtol=1e-12, atol=1e-12)
        elif example.function == "pool_backward":
            values = [v for label, v in course.printout(example) if label == "dA_prev[1,1] ="]
            for value, pool in zip(values, (F.max_pool2d, F.avg_pool2d), strict=True):
                x = nchw(torch, a["A_prev"]).requires_grad_()
                pool(x, hp["f"], hp["stride"]).backward(nchw(torch, a["dA"]))
                np.testing.assert_allclose(value, x.grad.numpy().transpose(0, 2, 3, 1)[1, 1], rtol=1e-12, atol=1e-12)


def test_the_notebooks_published_zero_pad_shapes():
    shapes = json.loads(PUBLISHED_OUTPUTS.read_text(encoding="utf-8"))["zero_pad_shapes"]
    assert set(shapes) == set(course.VERSIONS)
    for version in course.VERSIONS:
        (example,) = course.examples(version, "zero_pad")
        got = {label: str(value) for label, value in course.printout(example) if label in shapes[version]}
        assert got == shapes[version], version


# The course notebook's published expected outputs (its "Expected Output" tables).
PUBLISHED = {
    ("2018", "conv_forward", "Z's mean ="): 0.0489952035289,
    ("2020", "conv_forward", "Z's mean ="): 0.692360880758,
    ("2021-2022", "conv_forward", "Z's mean ="): 0.5511276474566768,
    ("2021-2022", "conv_single_step", "Z ="): -6.99908945068,
    ("2021-2022", "conv_backward", "dA_mean ="): 1.4524377775388075,
    ("2021-2022", "conv_backward", "dW_mean ="): 1.7269914583139097,
    ("2021-2022", "conv_backward", "db_mean ="): 7.839232564616838,
    ("2021-2022", "pool_backward", "mean of dA ="): 0.145713902729,
}


@pytest.mark.parametrize(("key", "expected"), list(PUBLISHED.items()), ids=["/".join(k) for k in PUBLISHED])
def test_the_course_published_numbers(key, expected):
    version, function, label = key
    (example,) = [e for e in course.examples(version) if e.function == function]
    assert printed(example)[label] == pytest.approx(expected, abs=1e-11)


def test_pool_backward_published_max_row():
    (example,) = [e for e in course.examples("2018") if e.function == "pool_backward"]
    max_row = [v for label, v in course.printout(example) if label == "dA_prev[1,1] ="][0]
    np.testing.assert_allclose(max_row, [[0.0, 0.0], [5.05844394, -1.68282702], [0.0, 0.0]], atol=1e-8)


def test_full_precision_formatting_round_trips():
    (example,) = course.examples("2021-2022", "conv_forward", animates=True)
    text = course.format_printout(course.printout(example))
    mean = printed(example)["Z's mean ="]
    assert f"Z's mean = {mean!r}" in text and float(repr(mean)) == mean
    row = printed(example)["Z[0,2,1] ="]
    numbers = [float(t) for t in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text.split("Z[0,2,1] =")[1].split("cache")[0])]
    assert numbers == list(row)  # every digit: the printed text reads back to the same float64


def test_lesson_arrays_give_the_page_what_it_animates():
    (cb,) = course.examples("2020", "conv_backward")
    arr = course.lesson_arrays(cb)
    Z, _ = layers.conv_forward(arr.A_prev, arr.W, arr.b, arr.hparameters)
    np.testing.assert_array_equal(arr.grad, Z)  # dZ = Z
    (pb,) = course.examples("2020", "pool_backward", animates=True)
    assert course.lesson_arrays(pb).grad.shape == (5, 4, 2, 2)
    (single,) = course.examples("2020", "conv_forward", animates=False)
    with pytest.raises(InputError, match="printed only"):
        course.lesson_arrays(single)
    assert course.find(cb.key) is cb


def test_tie_rule_reaches_the_mask_printout():
    (mask,) = [e for e in course.examples("2020") if e.function == "create_mask_from_window"]
    # No ties in randn data: both rules print the course's mask.
    np.testing.assert_array_equal(printed(mask, "all")["mask ="], printed(mask, "first")["mask ="])
    with pytest.raises(InputError, match="ties="):
        course.printout(mask, "any")

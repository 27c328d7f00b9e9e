"""Course examples: the recipes draw what the notebook cells draw, and the printouts are right.

Every printed quantity is recomputed without cnnviz.core.course (tests/course_reference.py: by
cnnviz.core.layers, cnnviz.core.fast and PyTorch, called as the notebook calls them) and compared
with printed.printout; the printout's text is compared with what each published notebook printed
(tests/data/published_outputs.json): labels and layout exactly, numbers to the printed digits.
"""

import re

import numpy as np
import pytest
from course_reference import (
    cell_arrays,
    check_against_published,
    flat,
    input_statements,
    page_numbers,
    published,
    published_inputs,
    published_key,
    reference,
    same_statements,
)

from cnnviz.core import course, layers, printed
from cnnviz.core.errors import InputError

EXAMPLES = [pytest.param(e, id=e.key) for v in course.VERSIONS for e in course.examples(v)]


def test_versions_newest_first_named_by_year_and_file_every_page_animated():
    assert course.VERSIONS == ("2023", "2021-2022", "2020", "2018", "2017")
    names = [course.version_name(v) for v in course.VERSIONS]
    assert names[0] == "2023+: Convolution_model_Step_by_Step_v1.ipynb"
    assert names[1].startswith("2021-2022: Convolution_model_Step_by_Step_v1.ipynb")
    assert names[2].startswith("2019-2020: Convolution_model_Step_by_Step_v2a.ipynb")
    assert names[3].startswith("2018: Convolution model - Step by Step - v2.ipynb")
    assert names[4].startswith("2017: Convolution model - Step by Step - v1.ipynb")
    for version in course.VERSIONS:
        for page in course.PAGES:
            assert course.examples(version, page, animates=True), (version, page)
        assert [e.function for e in course.examples(version)][:3] == ["zero_pad", "conv_single_step", "conv_forward"]
    assert len(course.examples("2020", "pool_forward")) == 2  # case 1 stride 1, case 2 stride 2
    assert len(course.examples("2018", "pool_forward")) == 1
    with pytest.raises(InputError, match="2023, 2021-2022, 2020, 2018, 2017"):
        course.examples("2019")


def test_each_versions_inputs_are_its_notebooks():
    def hp(version, function):
        return [dict(e.hparameters) for e in course.examples(version) if e.function == function]

    assert hp("2017", "zero_pad") == [{"pad": 2}] and hp("2021-2022", "zero_pad") == [{"pad": 3}]
    assert hp("2023", "zero_pad") == [{"pad": 3}] and hp("2018", "zero_pad") == [{"pad": 2}]
    assert hp("2017", "conv_forward") == [{"pad": 2, "stride": 1}]
    assert hp("2018", "conv_forward") == [{"pad": 2, "stride": 2}]
    assert hp("2017", "pool_forward") == [{"stride": 1, "f": 4}]
    assert hp("2018", "pool_forward") == [{"stride": 2, "f": 3}]
    assert hp("2017", "conv_backward") == [{"pad": 2, "stride": 1}]  # Z, cache_conv of the conv_forward cell
    (zp,) = course.examples("2021-2022", "zero_pad")
    assert "zero_pad(x, 3)" in zp.calls and "zero_pad_test(zero_pad)" in zp.calls


@pytest.mark.parametrize("example", EXAMPLES)
def test_draw_equals_the_global_seed_stream_of_the_cell(example):
    scope = {"np": np, "pool_forward": layers.pool_forward}  # pool_backward's cell calls it between its draws
    exec(example.cell, scope)  # noqa: S102 - the cell text the page shows
    for name, value in course.draw(example).items():
        np.testing.assert_array_equal(scope[example.name_in_cell(name)], value, err_msg=name)
    if example.hparameters and example.function != "zero_pad":
        assert scope[example.name_in_cell("hparameters")] == dict(example.hparameters)
    if example.version == "2023" and example.function == "pool_forward":
        assert f"A_prev_case_{example.case}" in example.cell and f"hparameters_case_{example.case}" in example.calls
    assert example.function + "(" in example.calls


@pytest.mark.parametrize("example", EXAMPLES)
def test_cell_makes_the_inputs_the_notebooks_cell_makes(example):
    ours = input_statements(example.cell + "\n" + example.calls)
    theirs = published_inputs(example.version, published_key(example))
    assert same_statements(ours, theirs), (ours, theirs)


@pytest.mark.parametrize("example", EXAMPLES)
def test_printout_is_laid_out_as_the_notebook_printed_it(example):
    text = printed.format_printout(printed.printout(example))
    check_against_published(text, published(example.version, published_key(example)))


@pytest.mark.parametrize("example", EXAMPLES)
def test_printout_equals_layers_called_as_the_notebook_calls_them(example):
    text = printed.format_printout(printed.printout(example))
    np.testing.assert_array_equal(page_numbers(text), flat(reference(example, "layers")))


@pytest.mark.parametrize("example", EXAMPLES)
def test_printout_equals_the_fast_twins(example):
    text = printed.format_printout(printed.printout(example))
    np.testing.assert_allclose(page_numbers(text), flat(reference(example, "fast")), rtol=1e-12, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("example", EXAMPLES)
def test_printout_matches_the_torch_oracle(torch_or_skip, example):
    text = printed.format_printout(printed.printout(example))
    np.testing.assert_allclose(page_numbers(text), flat(reference(example, "torch")), rtol=1e-11, atol=1e-11)


def test_2017_bias_rule_is_the_notebooks_skeleton_and_only_in_2017():
    # s = a_slice_prev * W + b; Z = np.sum(s), written out cell by cell, against the printout.
    (conv,) = course.examples("2017", "conv_forward", animates=True)
    a, hp = cell_arrays(conv), dict(conv.hparameters)
    A_pad = np.pad(a["A_prev"], ((0, 0), (2, 2), (2, 2), (0, 0)))
    f, n_C = a["W"].shape[0], a["W"].shape[3]
    n = (A_pad.shape[1] - f) // hp["stride"] + 1
    Z = np.array(
        [
            [
                [
                    [np.sum(A_pad[i, h : h + f, w : w + f] * a["W"][..., c] + a["b"][..., c]) for c in range(n_C)]
                    for w in range(n)
                ]
                for h in range(n)
            ]
            for i in range(A_pad.shape[0])
        ]
    )
    (single,) = course.examples("2017", "conv_forward", animates=False)
    s = cell_arrays(single)
    assert printed.labelled(printed.printout(single))["Z ="] == pytest.approx(
        np.sum(s["a_slice_prev"] * s["W"] + s["b"])
    )
    lines = printed.printout(conv)
    assert [line.label for line in lines] == ["Z's mean =", "cache_conv[0][1][2][3] ="]  # no Z[3,2,1] in 2017
    assert printed.labelled(lines)["Z's mean ="] == pytest.approx(np.mean(Z), rel=1e-13)
    assert course.lesson_arrays(conv).b == pytest.approx(a["b"] * 12)  # f*f*n_C_prev = 2*2*3
    # Every other version adds b once: the printout equals layers with the drawn b.
    for version in course.VERSIONS[:-1]:
        (ex,) = course.examples(version, "conv_forward", animates=True)
        arr = cell_arrays(ex)
        Zv, _ = layers.conv_forward(arr["A_prev"], arr["W"], arr["b"], dict(ex.hparameters))
        assert printed.labelled(printed.printout(ex))["Z's mean ="] == float(np.mean(Zv))
        np.testing.assert_array_equal(course.lesson_arrays(ex).b, arr["b"])
    assert "f·f·n_C_prev" in course.BIAS_RULE and "bug" in course.BIAS_RULE


def test_graded_labels_and_layout():
    (pb,) = course.examples("2021-2022", "pool_backward", animates=True)
    lines = printed.printout(pb)
    assert [line.label for line in lines[:2]] == ["", ""]  # print(A.shape); print(cache[0].shape)
    assert "dA_prev1[1,1] =" in printed.labelled(lines) and "dA_prev2[1,1] =" in printed.labelled(lines)
    case1, case2 = course.examples("2023", "pool_forward")
    assert printed.format_printout(printed.printout(case1)).startswith("CASE 1:\n\nmode = max\nA.shape = (2, 3, 3, 3)")
    assert printed.format_printout(printed.printout(case2)).startswith("\nCASE 2:\n\nmode = max")
    older = course.examples("2021-2022", "pool_forward")[1]
    text = printed.format_printout(printed.printout(older))
    assert "CASE" not in text and "A[0] =\n [[[" in text and "A[1] =\n [[[" in text


def test_full_precision_formatting_round_trips():
    (example,) = course.examples("2021-2022", "conv_forward", animates=True)
    lines = printed.printout(example)
    text = printed.format_printout(lines)
    mean = printed.labelled(lines)["Z's mean ="]
    assert f"Z's mean =\n {mean!r}" in text and float(repr(mean)) == mean
    row = printed.labelled(lines)["Z[0,2,1] ="]
    numbers = [float(t) for t in re.findall(r"-?\d+\.\d+(?:e[-+]\d+)?", text.split("Z[0,2,1] =")[1].split("cache")[0])]
    assert numbers == list(row)  # every digit: the printed text reads back to the same float64


def test_lesson_arrays_give_the_page_what_it_animates():
    for version in course.VERSIONS:
        (cb,) = course.examples(version, "conv_backward")
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
    all_rule = printed.labelled(printed.printout(mask, "all"))["mask ="]
    np.testing.assert_array_equal(all_rule, printed.labelled(printed.printout(mask, "first"))["mask ="])
    with pytest.raises(InputError, match="ties="):
        printed.printout(mask, "any")

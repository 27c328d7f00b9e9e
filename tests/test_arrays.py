"""A student's own arrays: good files load; every bad one is a clear InputError naming the array."""

import io
import pickle
import struct
import zipfile

import numpy as np
import pytest

from cnnviz.core import arrays, layers
from cnnviz.core.errors import InputError


def npz(**named) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **named)
    return buf.getvalue()


def npy(array, **kw) -> bytes:
    buf = io.BytesIO()
    np.save(buf, array, **kw)
    return buf.getvalue()


def good(seed=1):
    rng = np.random.RandomState(seed)
    return {"A_prev": rng.randn(2, 5, 7, 4), "W": rng.randn(3, 3, 4, 8), "b": rng.randn(1, 1, 1, 8)}


def huge_header_npy(length=2**31) -> bytes:
    """A .npy v2 file whose header claims `length` bytes, followed by a few bytes only."""
    return b"\x93NUMPY\x02\x00" + struct.pack("<I", length) + b"{'descr': '<f8', " + b" " * 32


def test_good_npz_loads_and_runs_the_lessons():
    g = good()
    a = arrays.load_files([("mine.npz", npz(**g, stride=2, pad=1))])
    np.testing.assert_array_equal(a.A_prev, g["A_prev"])
    assert a.hparameters == {"stride": 2, "pad": 1} and a.A_prev.dtype == np.float64
    got = arrays.for_lesson(a, "conv_forward", a.hparameters)
    Z, _ = layers.conv_forward(got["A_prev"], got["W"], got["b"], a.hparameters)
    assert Z.shape == (2, 3, 4, 8)


def test_single_npy_files_are_named_by_their_file():
    g = good()
    a = arrays.load_files([(f"{k}.npy", npy(v)) for k, v in g.items()])
    np.testing.assert_array_equal(a.W, g["W"])
    with pytest.raises(InputError, match="name the file after its array"):
        arrays.load_files([("weights.npy", npy(g["W"]))])


def test_optional_gradients_are_checked_against_the_forward_output():
    g = good()
    dZ = np.ones((2, 3, 4, 8))
    a = arrays.load_files([("mine.npz", npz(**g, dZ=dZ))])
    assert "dZ" in arrays.for_lesson(a, "conv_backward", {"stride": 2, "pad": 1})
    with pytest.raises(InputError, match="dZ"):
        arrays.for_lesson(a, "conv_backward", {"stride": 1, "pad": 1})
    p = arrays.load_files([("p.npz", npz(A_prev=g["A_prev"], dA=np.ones((2, 2, 3, 4))))])
    assert arrays.for_lesson(p, "pool_backward", {"f": 2, "stride": 2})["dA"].shape == (2, 2, 3, 4)


def test_missing_W_names_it_on_conv_lessons_only():
    g = good()
    a = arrays.load_files([("mine.npz", npz(A_prev=g["A_prev"], b=g["b"]))])
    with pytest.raises(InputError, match=r"mine.npz has no W; the convolution lessons need W \(f, f, n_C_prev, n_C\)"):
        arrays.for_lesson(a, "conv_forward", {"stride": 1, "pad": 0})
    assert arrays.for_lesson(a, "pool_forward", {"f": 2, "stride": 2})["A_prev"].shape == (2, 5, 7, 4)


def test_missing_A_prev():
    with pytest.raises(InputError, match="no A_prev"):
        arrays.load_files([("mine.npz", npz(W=good()["W"]))])


def test_wrong_channel_count():
    g = good()
    with pytest.raises(InputError, match=r"W has n_C_prev = 3 channels .* but A_prev has 4"):
        arrays.load_files([("mine.npz", npz(A_prev=g["A_prev"], W=g["W"][:, :, :3], b=g["b"]))])
    with pytest.raises(InputError, match=r"b has shape \(1, 1, 1, 3\)"):
        arrays.load_files([("mine.npz", npz(A_prev=g["A_prev"], W=g["W"], b=g["b"][..., :3]))])


def test_wrong_layout():
    with pytest.raises(InputError, match=r"A_prev must be 4-D \(m, n_H_prev, n_W_prev, n_C_prev\), got shape \(5, 7\)"):
        arrays.load_files([("A_prev.npy", npy(np.zeros((5, 7))))])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_not_finite(bad):
    g = good()
    g["A_prev"][1, 2, 3, 0] = bad
    with pytest.raises(InputError, match=r"A_prev .*1 value\(s\) that are not finite .* A_prev\[1, 2, 3, 0\] = "):
        arrays.load_files([("mine.npz", npz(**g))])


def test_pickle_disguised_as_npy():
    payload = pickle.dumps({"A_prev": [1, 2, 3]})
    with pytest.raises(InputError, match=r"A_prev.npy is not a NumPy .npy array \(it looks like a Python pickle"):
        arrays.load_files([("A_prev.npy", payload)])


def test_two_gigabyte_header_is_refused_without_reading_it():
    data = huge_header_npy()
    with pytest.raises(InputError, match=r"header claims 2,147,483,648 bytes; at most 10,000"):
        arrays.load_files([("A_prev.npy", data)])
    # Inside an .npz too.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("A_prev.npy", data)
    with pytest.raises(InputError, match="header claims 2,147,483,648 bytes"):
        arrays.load_files([("mine.npz", buf.getvalue())])


def test_object_array_is_refused_never_unpickled():
    obj = np.array([{"a": 1}, None], dtype=object)
    with pytest.raises(
        InputError, match=r"A_prev.npy is an object array .* unpickling Python objects, which cnnviz never does"
    ):
        arrays.load_files([("A_prev.npy", npy(obj, allow_pickle=True))])
    with pytest.raises(InputError, match="hparameters is a dict"):
        arrays.load_files([("mine.npz", npz(A_prev=good()["A_prev"], hparameters={"stride": 1, "pad": 0}))])


@pytest.mark.parametrize(
    ("array", "words"),
    [(np.zeros((1, 2, 2, 1), dtype=complex), "complex128; real numbers"), (np.array(["a"]), "real numbers")],
)
def test_dtype_must_be_real_numbers(array, words):
    with pytest.raises(InputError, match=words):
        arrays.load_files([("A_prev.npy", npy(array))])


def test_too_large_for_a_lesson_states_the_limit_before_reading_the_data():
    # The header says (11, 4, 4, 3): refused on the header alone (the data is cut off on purpose).
    data = npy(np.zeros((11, 4, 4, 3)))[:200]
    with pytest.raises(
        InputError, match=r"A_prev has shape \(11, 4, 4, 3\), larger than a lesson can show: at most \(10, 16, 16, 8\)"
    ):
        arrays.load_files([("A_prev.npy", data)])
    with pytest.raises(InputError, match=r"at most 4,194,304"):
        arrays.load_files([("A_prev.npy", b"\x93NUMPY" + b"\0" * (5 << 20))])


def test_integers_and_fortran_order_load_as_float64():
    A = np.asfortranarray(np.arange(2 * 3 * 4 * 1).reshape(2, 3, 4, 1).astype(np.int32))
    a = arrays.load_files([("A_prev.npy", npy(A))])
    assert a.A_prev.dtype == np.float64
    np.testing.assert_array_equal(a.A_prev, A)


def test_truncated_and_not_zip():
    with pytest.raises(InputError, match="cut short"):
        arrays.load_files([("A_prev.npy", npy(np.zeros((2, 4, 4, 3)))[:-8])])
    with pytest.raises(InputError, match="not an .npz archive"):
        arrays.load_files([("mine.npz", b"PK not really")])

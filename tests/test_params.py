"""Query strings are untrusted: parse, clamp, warn; never raise."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cnnviz.app import settings as params


def test_defaults_round_trip_to_an_empty_query():
    assert params.to_query(params.DEFAULTS) == {}
    values, warnings = params.parse_query({})
    assert values == {} and warnings == []


def test_changed_settings_round_trip():
    settings = dict(params.DEFAULTS, f=5, stride=2, pad=0, mode="average", source="sample", sample="disc")
    query = params.to_query(settings)
    assert query == {"f": "5", "stride": "2", "pad": "0", "mode": "average", "source": "sample", "sample": "disc"}
    values, warnings = params.parse_query(query)
    assert warnings == []
    assert dict(params.DEFAULTS, **values) == settings


@pytest.mark.parametrize(
    ("query", "expected", "fragment"),
    [
        ({"f": "-3"}, {"f": 1}, "outside 1..7; using 1"),
        ({"f": "abc"}, {}, "not a whole number"),
        ({"stride": "0"}, {"stride": 1}, "outside 1..4; using 1"),
        ({"pad": "100000"}, {"pad": 3}, "outside 0..3; using 3"),
        ({"mode": "<script>alert(1)</script>"}, {}, "not one of max, average"),
        ({"f": "2.5"}, {}, "not a whole number"),
        ({"f": ["9", "4"]}, {"f": 4}, None),
    ],
)
def test_tampered_values_are_clamped_or_ignored_with_a_warning(query, expected, fragment):
    values, warnings = params.parse_query(query)
    assert values == expected
    if fragment is None:
        assert warnings == []
    else:
        assert len(warnings) == 1 and fragment in warnings[0]


def test_warning_shows_hostile_text_only_inside_a_short_code_span():
    _, warnings = params.parse_query({"mode": "`<img src=x onerror=alert(1)>" + "x" * 500})
    (warning,) = warnings
    assert warning.count("`") == 2  # the value cannot close the code span early
    assert len(warning) < 120


@given(st.dictionaries(st.sampled_from(sorted(params.SPECS)), st.text(max_size=30)))
def test_any_query_gives_values_inside_the_controls_ranges(query):
    values, _ = params.parse_query(query)
    for key, value in values.items():
        spec = params.SPECS[key]
        if spec.is_choice:
            assert value in spec.choices
        else:
            assert spec.lo <= value <= spec.hi


def test_frame_ms_knows_every_speed_and_falls_back():
    assert params.frame_ms("slow") > params.frame_ms("normal") > params.frame_ms("fast")
    assert params.frame_ms("warp") == params.frame_ms("normal")


def test_a_link_counts_steps_from_1_as_the_player_shows_them():
    settings = dict(params.DEFAULTS, step=29)  # the app's 0-based index of the 30th step
    assert params.to_query(settings) == {"step": "30"}
    assert params.parse_query({"step": "30"}) == ({"step": 29}, [])
    assert params.parse_query({"step": "1"}) == ({"step": 0}, [])
    assert params.parse_query({"step": "0"}) == ({"step": 0}, [])  # an old link's first step, no warning
    values, warnings = params.parse_query({"step": "-4"})
    assert values == {"step": 0} and "outside 1..4096" in warnings[0]

"""The shared sidebar: every setting as a keyed widget, seeded once from the URL, mirrored back to it.

Widgets take their initial value from st.session_state (never `value=`), so a value parsed from a
shared link, a default, or the user's last choice all arrive the same way.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from cnnviz.app import settings as params

UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff"]


def load_query_once() -> None:
    """On a session's first run, copy the URL's settings into session state; keep the warnings."""
    if st.session_state.get("_query_loaded"):
        return
    values, warnings = params.parse_query(st.query_params.to_dict())
    for key, value in values.items():
        st.session_state[key] = value
    st.session_state["_query_warnings"] = warnings
    st.session_state["_query_loaded"] = True


def _clamp_state(key: str, lo: int, hi: int) -> None:
    value = st.session_state.get(key, params.DEFAULTS[key])
    st.session_state[key] = min(max(int(value), lo), hi)


def _slider(key: str, disabled: bool = False, hi: int | None = None) -> int:
    spec = params.SPECS[key]
    st.session_state.setdefault(key, spec.default)
    return st.slider(
        spec.label, spec.lo, spec.hi if hi is None else hi, key=key, help=spec.help or None, disabled=disabled
    )


def _choice(key: str, horizontal: bool = True, disabled: bool = False) -> str:
    spec = params.SPECS[key]
    st.session_state.setdefault(key, spec.default)
    return st.radio(spec.label, spec.choices, key=key, horizontal=horizontal, help=spec.help or None, disabled=disabled)


def _index(key: str, hi: int) -> int:
    """i or c: a number box limited to what exists (0..hi)."""
    _clamp_state(key, 0, hi)
    return int(st.number_input(params.SPECS[key].label, min_value=0, max_value=hi, step=1, key=key))


def _upload() -> None:
    """Keep the uploaded file in session state so switching source or page never loses it."""
    file = st.file_uploader(
        "Your image", type=UPLOAD_TYPES, key="upload_widget", help="PNG, JPEG, GIF, WebP, BMP, TIFF"
    )
    if file is not None:
        st.session_state["upload_bytes"] = file.getvalue()
        st.session_state["upload_name"] = file.name
    elif st.session_state.get("upload_name"):
        st.text(f"Using the earlier upload: {st.session_state['upload_name']}")  # plain text, never HTML


def render() -> dict[str, int | str]:
    """Draw the sidebar; return the current settings (one value per key of params.SPECS)."""
    load_query_once()
    with st.sidebar:
        with st.expander("Input", expanded=True):
            source = _choice("source")
            random_source = source == "random"
            if source == "sample":
                st.session_state.setdefault("sample", params.DEFAULTS["sample"])
                st.selectbox("Sample image", params.SAMPLE_CHOICES, key="sample")
            if source == "upload":
                _upload()
            _choice("values", disabled=not random_source)
            st.session_state.setdefault("seed", params.DEFAULTS["seed"])
            st.number_input("Seed", min_value=0, max_value=9999, step=1, key="seed")
            _slider("m", disabled=not random_source)
            _slider("n_H_prev")
            _slider("n_W_prev")
            _slider("n_C_prev", disabled=not random_source)
        with st.expander("Convolution", expanded=True):
            _slider("f")
            _slider("stride")
            _slider("pad")
            _slider("n_C")
        with st.expander("Pooling", expanded=True):
            _slider("pool_f")
            _slider("pool_stride")
            _choice("mode")
        with st.expander("View", expanded=True):
            m = st.session_state["m"] if random_source else 1
            _index("i", m - 1)
            n_C_prev = st.session_state["n_C_prev"] if random_source else 3
            _index("c", max(st.session_state["n_C"], n_C_prev) - 1)
            _choice("grad")
            _choice("speed")
    settings = {key: st.session_state.get(key, spec.default) for key, spec in params.SPECS.items()}
    st.session_state.setdefault("_query_settings", settings)  # what the link opened with
    return settings


def share_link(settings: dict[str, int | str]) -> None:
    """Mirror the settings into the URL and show a copyable link for teachers."""
    query = params.to_query(settings)
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)
    base = st.context.url or ""
    link = base + ("?" + urlencode(query) if query else "")
    with st.sidebar:
        st.markdown("**Share this view**")
        st.code(link or "(open the app in a browser to get a link)", language=None, wrap_lines=True)
        st.caption("The copy icon on the box copies the link; it reopens these exact settings.")


def show_query_warnings(settings: dict[str, int | str]) -> None:
    """Warn about anything in the URL that was clamped or ignored, until the user changes a setting."""
    if settings != st.session_state.get("_query_settings"):
        st.session_state["_query_warnings"] = []
    for warning in st.session_state.get("_query_warnings", []):
        st.warning(warning, icon=":material/warning:")

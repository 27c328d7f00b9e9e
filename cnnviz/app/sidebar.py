"""The shared sidebar: the input every lesson shares, seeded once from the URL, mirrored back to it.

Only what the page shown uses is drawn (a setting that does not apply is absent, not disabled
with a stale value). A lesson's own settings (f, stride, pad, pooling, i, c, ...) are drawn by
the lesson itself, next to its player (`lesson.controls`); they live in st.session_state under
the same keys as settings.SPECS, so links and page switches keep them.

Widgets take their initial value from st.session_state (never `value=`), so a value parsed from a
shared link, a default, or the user's last choice all arrive the same way.
"""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from cnnviz.app import image_input, notebook
from cnnviz.app import settings as params
from cnnviz.pictures import images

UPLOAD_TYPES = ["png", "jpg", "jpeg", "heic", "heif", "gif", "webp", "bmp", "tif", "tiff"]  # what load_image opens
UPLOAD_CSS = """<style>
.st-key-upload_widget [data-testid="stFileUploaderDropzoneInstructions"] span + span { display: none; }
</style>"""

# The pages that use the sidebar's Input section, by registry key (home uses none of it).
LESSON_PAGES = ("zero_padding", "convolution", "pooling", "conv_backward", "pool_backward", "transposed_conv")
IMAGE_PAGES = ("feature_maps",)  # a picture only: no random tensor, seed, m or sizes


def load_query_once() -> None:
    """On a session's first run, copy the URL's settings into session state; keep the warnings."""
    if st.session_state.get("_query_loaded"):
        return
    values, warnings = params.parse_query(st.query_params.to_dict())
    for key, value in values.items():
        st.session_state[key] = value
    st.session_state["_query_warnings"] = warnings
    st.session_state["_query_loaded"] = True


def keep_settings() -> None:
    """Keep every setting across pages that do not draw its widget.

    Streamlit drops a keyed widget's value at the end of a run that did not draw it; assigning the
    value to itself before any widget is drawn makes it plain session state again (kept).
    """
    for key in params.SPECS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
    if st.session_state.pop("_leave_present", False):  # the player's Escape
        st.session_state["present"] = False


def _slider(key: str, hi: int | None = None) -> int:
    spec = params.SPECS[key]
    st.session_state.setdefault(key, spec.default)
    return st.slider(spec.label, spec.lo, spec.hi if hi is None else hi, key=key, help=spec.help or None)


def _choice(key: str, horizontal: bool = True, choices: tuple[str, ...] | None = None) -> str:
    spec = params.SPECS[key]
    st.session_state.setdefault(key, spec.default)
    return st.radio(spec.label, choices or spec.choices, key=key, horizontal=horizontal, help=spec.help or None)


def _upload() -> None:
    """Keep the uploaded file in session state so switching source or page never loses it."""
    # No type filter and a Streamlit limit above the loader's: every file reaches images.load_image,
    # whose reason (format, size, damage) the page shows in the main area. Streamlit's own
    # "Limit N MB" line would state the wrong limit: hidden, the real one is in the label.
    limit = images.MAX_FILE_BYTES // 2**20
    st.html(UPLOAD_CSS)
    file = st.file_uploader(
        f"Your image: {images.FORMATS_TEXT}, up to {limit} MB",
        key="upload_widget",
        help=f"Up to {limit} MB and {images.MAX_PIXELS // 10**6} megapixels; larger photos are downscaled.",
    )
    if file is not None and st.session_state.get("upload_id") != file.file_id:  # a new file: copied and hashed once
        data = file.getvalue()
        key = image_input.upload_key(data)
        st.session_state.update(upload_bytes=data, upload_name=file.name, upload_id=file.file_id, upload_key=key)
    elif st.session_state.get("upload_name"):
        st.text(f"Using the earlier upload: {st.session_state['upload_name']}")  # plain text, never HTML


def _input_section(page: str) -> None:
    """Input: what A_prev is made of. Only the fields this page and this source use."""
    images_only = page in IMAGE_PAGES
    with st.expander("Input", expanded=True):
        if images_only:
            if st.session_state.get("source", params.DEFAULTS["source"]) not in ("sample", "upload"):
                st.session_state["source"] = "sample"  # a picture page: random numbers are no picture
            source = _choice("source", choices=("sample", "upload"))
        else:
            st.session_state.setdefault("source", params.DEFAULTS["source"])
            source = st.radio(
                params.SPECS["source"].label,
                params.SPECS["source"].choices,
                format_func=notebook.SOURCE_LABELS.get,
                key="source",
                horizontal=True,
                help=params.SPECS["source"].help,
            )
        if source == "sample":
            st.session_state.setdefault("sample", params.DEFAULTS["sample"])
            st.selectbox("Sample image", params.SAMPLE_CHOICES, key="sample")
        if source == "upload":
            _upload()
        if images_only:
            return
        notebook.input_fields(page)  # course example / my arrays
        if source in notebook.SOURCES:
            return
        if source == "random":
            _choice("values")
        st.session_state.setdefault("seed", params.DEFAULTS["seed"])
        st.number_input("Seed", min_value=0, max_value=9999, step=1, key="seed", help=params.SPECS["seed"].help)
        if source == "random":
            _slider("m")
        _slider("n_H_prev")
        _slider("n_W_prev")
        if source == "random":
            _slider("n_C_prev")
        # More input sources add their fields here.


def render(page: str = "home") -> dict[str, int | str]:
    """Draw the sidebar for the page whose registry key is `page`; return the current settings.

    Returns one value per key of params.SPECS (what session state holds, else the default).
    """
    load_query_once()
    keep_settings()
    with st.sidebar:
        if page in LESSON_PAGES or page in IMAGE_PAGES:
            _input_section(page)
    settings = {key: st.session_state.get(key, spec.default) for key, spec in params.SPECS.items()}
    settings["present"] = int(bool(settings.get("present", 0)))
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
        st.caption("The copy icon copies the link; it reopens these exact settings and step.")


def show_query_warnings(settings: dict[str, int | str]) -> None:
    """Warn about anything in the URL that was clamped or ignored, until the user changes a setting."""
    if settings != st.session_state.get("_query_settings"):
        st.session_state["_query_warnings"] = []
    for warning in st.session_state.get("_query_warnings", []):
        st.warning(warning, icon=":material/warning:")

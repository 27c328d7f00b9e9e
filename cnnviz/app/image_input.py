"""An image input shown as a picture: the source photo beside the small tensor the lessons use.

On lessons 1-5 a sample or upload is averaged down to A_prev (m=1, n_H_prev, n_W_prev, n_C_prev),
e.g. 8x8: shown only as a tensor it is an unreadable heatmap. `show_source_image` draws the
picture and A_prev's pixels (each value a crisp block, no blur) side by side, so the student sees
what the numbers are made of. Also: upload errors in the main area (`upload_error`).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import numpy as np
import streamlit as st
from PIL import Image

from cnnviz.pictures import images

SHOWN_SIDE = 256  # pixels, the longer side of both pictures as sent


def _png(pixels: np.ndarray, resample: Image.Resampling) -> bytes:
    """(H, W, C) in [0, 1] -> a PNG whose longer side is SHOWN_SIDE (area average down, blocks up)."""
    h, w, n_C = pixels.shape
    data = np.rint(np.clip(pixels, 0.0, 1.0) * 255).astype(np.uint8)
    im = Image.fromarray(data[:, :, 0] if n_C == 1 else data[:, :, :3])
    ratio = SHOWN_SIDE / max(h, w)
    if ratio > 1:
        ratio = float(max(1, int(ratio)))  # whole-number blocks
    im = im.resize((max(1, round(w * ratio)), max(1, round(h * ratio))), resample)
    buffer = io.BytesIO()
    im.save(buffer, format="PNG")
    return buffer.getvalue()


@st.cache_data(max_entries=16, show_spinner=False)
def _pngs(_image: np.ndarray, key: str, A_prev: np.ndarray) -> tuple[bytes, bytes]:
    return _png(_image, Image.Resampling.BOX), _png(A_prev[0], Image.Resampling.NEAREST)


@dataclass(frozen=True)
class Source:
    """The picture behind the sample/upload sources: shared and read-only, with its content key.

    image -- the picture at its working size, shape (H, W, C), values in [0, 1]
    caption -- what it is ("sample image 'disc'", "your upload")
    key -- names the content (upload_key, sample_key): caches of what is made from it use it
    """

    image: np.ndarray
    caption: str
    key: str


def upload_key(data: bytes) -> str:
    """The content key of an upload's bytes (the sidebar stores it with the upload)."""
    return "upload:" + hashlib.blake2b(data, digest_size=16).hexdigest()


def sample_key(name: str) -> str:
    """The content key of a built-in sample (samples are generated the same way every time)."""
    return "sample:" + name


def show_source_image(source: Source, A_prev: np.ndarray) -> None:
    """Draw the source picture and A_prev[0] (shape (1, n_H_prev, n_W_prev, n_C_prev)) side by side."""
    (m, n_H_prev, n_W_prev, n_C_prev) = A_prev.shape
    if n_C_prev not in (1, 3):
        return  # not a picture's channels
    image, caption = source.image, source.caption
    picture, pixels = _pngs(image, source.key, A_prev)
    left, right = st.columns(2, gap="small")
    with left:
        st.image(picture, output_format="PNG")
        st.caption(f"The picture: {caption}, {image.shape[0]}×{image.shape[1]}")
    with right:
        st.image(pixels, output_format="PNG")
        st.caption(f"A_prev[0]: the same picture averaged down to {n_H_prev}×{n_W_prev}, one square per value")


def upload_error(err: Exception) -> None:
    """An unusable upload, in the main area: the reason, and the file's name as plain text (never markup)."""
    name = st.session_state.get("upload_name")
    st.error(f"Your upload cannot be used. {err}", icon=":material/block:")
    if name:
        st.text(f"File: {images.safe_name(name)}")

"""cnnviz: the router. Shared sidebar, URL sync, then the chosen lesson from lessons/.

The lessons live in lessons/, not pages/: Streamlit 1.67 runs a folder named pages/ beside the
entrypoint as a legacy multipage app (page files alone, no shared sidebar) until st.navigation has
run once in the process, so a shared link opened first after a restart lost its sidebar."""

import numpy as np
import streamlit as st
from PIL import Image

from cnnviz.app import registry, sidebar, warmup

# Every page's imports before any page runs (no first-request races); sessions arriving together wait here.
warmup.warm()

# A 4x4 grid with one window highlighted, drawn here: an icon name or emoji would be fetched from a font CDN.
ICON = np.kron(np.indices((4, 4)).sum(axis=0) % 2 * 60 + 170, np.ones((8, 8))).astype(np.uint8)[:, :, None].repeat(3, 2)
ICON[:16, :16] = (230, 40, 60)
st.set_page_config(page_title="cnnviz — convolution step by step", page_icon=Image.fromarray(ICON), layout="wide")

PAGES = [
    st.Page(lesson.path, title=lesson.title, url_path=lesson.url_path or None, default=lesson is registry.HOME)
    for lesson in registry.PAGES
]

page = st.navigation(PAGES)
st.session_state["_page"] = page.url_path or "home"  # the lesson shown (presentation mode's previous/next)
settings = sidebar.render(page.url_path or "home")
st.session_state["settings"] = settings
sidebar.show_query_warnings(settings)
sidebar.share_link(settings)
page.run()

"""Lesson 6: an image through filters, ReLU and pooling (placeholder: shows the chosen input)."""

import plotly.express as px
import streamlit as st

from cnnviz import images
from cnnviz.ui import lesson

s = lesson.settings()
st.title("6. Feature maps")
st.markdown(
    "A photo through the same `conv_forward` and `pool_forward`, at full resolution. "
    "Choose **Input: sample** or **upload** in the sidebar."
)
try:
    image, caption = lesson.source_image(s)
except images.ImageError as err:
    lesson.fail(err)
fig = px.imshow(image[:, :, 0] if image.shape[2] == 1 else image, color_continuous_scale="gray", title=caption)
lesson.show(fig, "fm_input")

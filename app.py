"""cnnviz entrypoint (placeholder until the app lands)."""

import streamlit as st

st.set_page_config(page_title="cnnviz", layout="wide")
st.title("cnnviz")
st.write("Convolution and pooling, one window at a time.")

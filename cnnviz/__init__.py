"""cnnviz: convolution and pooling, one window at a time (importable without Streamlit)."""

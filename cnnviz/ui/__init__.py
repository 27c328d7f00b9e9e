"""Streamlit glue shared by app.py and lessons/: the only part of cnnviz that imports Streamlit.

`import cnnviz` and every math, figure and image module work without it.
"""

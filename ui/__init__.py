"""Streamlit-only helpers for app.py: widgets, session state, links, presenter mode.

The library (lstmviz/) never imports streamlit; this package is the page's, and only app.py and
its tests import it.
"""

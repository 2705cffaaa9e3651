"""The Streamlit pages: the only part of lstmviz that imports streamlit.

app.py picks the page; each page reads its controls, calls the library, and draws. Nothing outside
this package imports it (tests/test_layout.py checks that the library loads without streamlit).
"""

"""lstmviz: the Streamlit page. Reads widgets, calls the library, shows results. Nothing else.

The page's parts live in lstmviz/app/ (the only Streamlit code); the library in lstmviz/ never imports streamlit.
"""
# Streamlit runs this file as __main__. The engine's worker processes import it as __mp_main__: they must
# neither draw nor pay for the page's imports (streamlit, plotly, the pages: seconds per worker).
if __name__ == "__main__":
    from lstmviz.app.main import main

    main()

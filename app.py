"""lstmviz: the Streamlit page. Reads widgets, calls the library, shows results. Nothing else."""
import streamlit as st

st.set_page_config(page_title="lstmviz", layout="wide")
st.title("lstmviz: see inside an LSTM")
st.write("Record every gate of a PyTorch LSTM or GRU, timestep by timestep. "
         "From Python: `lstmviz.record(model, x)`.")

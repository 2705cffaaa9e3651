"""Plotly figure builders, data in and go.Figure out, by what they draw (no Streamlit here):
series.py the series and its forecast, training.py loss curves, gates.py a trace's gates,
cell.py the cell diagram, results.py task scores and unit tracks, common.py what they share.

`from lstmviz import figures; figures.gate_heatmaps(trace)` reaches every builder from here.
"""
from .cell import cell_diagram
from .common import CELL_COLORS, DIVERGING, PROJECTOR, SEQUENTIAL, date_label, decimate
from .gates import gate_heatmaps, heatmap_window, half_life_figure, saturation_figure, unit_lines
from .results import bar_figure, confusion_figure, tracks_figure
from .series import forecast_figure, series_preview
from .training import loss_curve, loss_curves

__all__ = ["decimate", "date_label", "series_preview", "loss_curve", "forecast_figure", "gate_heatmaps", "heatmap_window", "unit_lines",
           "saturation_figure", "half_life_figure", "cell_diagram", "loss_curves", "confusion_figure", "bar_figure",
           "tracks_figure", "SEQUENTIAL", "DIVERGING", "PROJECTOR", "CELL_COLORS"]

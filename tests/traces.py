"""Small recorded traces (pytest fixtures) that the figure and analysis tests share: import the ones a
module uses, e.g. `from tests.traces import trace  # noqa: F401`."""
import pytest
import torch
from torch import nn

from lstmviz import record


@pytest.fixture(scope="module")
def trace():
    """An LSTM of 5 units over 30 steps."""
    torch.manual_seed(0)
    return record(nn.LSTM(1, 5), torch.randn(30, 1, 1))


@pytest.fixture(scope="module")
def gru_trace():
    """A GRU of 4 units over 20 steps."""
    torch.manual_seed(0)
    return record(nn.GRU(1, 4), torch.randn(20, 1, 1))

"""The one config family: nested replace, flat and nested dicts, ranges from the fields, type checks."""
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.config import ModelConfig, TrainConfig
from lstmviz.errors import InputError
from lstmviz.forecast import ForecastConfig
from lstmviz.tasks import TaskConfig
from lstmviz.text import TextConfig

WORKLOADS = (ForecastConfig, TaskConfig, TextConfig)


@pytest.mark.parametrize("cls", WORKLOADS)
def test_every_workload_nests_one_model_and_one_train_config(cls):
    c = cls()
    assert isinstance(c.model, ModelConfig) and isinstance(c.train, TrainConfig)
    changed = c.replace(hidden_size=7, epochs=3, cell="gru")
    assert (changed.model.hidden_size, changed.train.epochs, changed.model.cell) == (7, 3, "gru")
    assert c.model.hidden_size != 7 and hash(changed) != hash(c)


@pytest.mark.parametrize("cls", WORKLOADS)
def test_to_dict_round_trips_through_json_and_old_flat_dicts_still_read(cls):
    c = cls().replace(hidden_size=5, seed=9, lr=0.003)
    assert cls.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    assert cls.from_dict(c.flat()) == c  # links and bundles written before ModelConfig were flat


def test_unknown_names_and_wrong_types_are_input_errors_naming_the_field():
    with pytest.raises(InputError, match="unknown setting 'hiden_size'"):
        ForecastConfig().replace(hiden_size=3)
    with pytest.raises(InputError, match="window must be a whole number"):
        ForecastConfig.from_dict({"window": 2.5})
    with pytest.raises(InputError, match="epochs must be a whole number"):
        ForecastConfig.from_dict({"train": {"epochs": "10"}})
    with pytest.raises(InputError, match="lr must be a float"):
        ForecastConfig.from_dict({"lr": True})
    assert ForecastConfig.from_dict({"window": 6.0}).window == 6  # JSON may write 6.0


def test_ranges_live_in_the_fields_and_one_check_reports_them_all():
    assert ForecastConfig.bounds("hidden_size") == {"lo": 1, "hi": 1024, "choices": None, "open_hi": False,
                                                     "label": "hidden size", "kind": int}
    assert TaskConfig.bounds("cell")["choices"] == ("lstm", "gru", "rnn")
    with pytest.raises(InputError) as e:
        TaskConfig().replace(hidden_size=0, lr=11.0, cell="lstmx").check()
    text = str(e.value)
    assert "hidden size must be 1 to 1,024, not 0" in text and "learning rate must be 1e-07 to 10, not 11" in text
    assert "cell must be one of lstm, gru, rnn, not 'lstmx'" in text
    with pytest.raises(InputError, match=r"dropout must be 0 to 1 \(not including it\), not 1"):
        ModelConfig(dropout=1.0).check()


@settings(deadline=None)  # a shared 2-core machine: no per-example deadline
@given(st.integers(1, 1024), st.integers(1, 8), st.integers(1, 100_000), st.integers(0, 1_000_000))
def test_any_in_range_config_checks_and_round_trips(hidden, layers, epochs, seed):
    for cls in WORKLOADS:
        c = cls().replace(hidden_size=hidden, num_layers=layers, epochs=epochs, seed=seed)
        assert c.problems() == [] and cls.from_dict(c.to_dict()) == c

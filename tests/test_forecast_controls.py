"""The forecasting page's control table: one row per control, ranges from the config, links as before."""
import pytest

from lstmviz.config import ModelConfig, TrainConfig
from lstmviz.data import SCALERS, TRANSFORMS
from lstmviz.forecast import MAX_MEMBERS, ForecastConfig, preset
from lstmviz.app.forecast_controls import TABLE, link_params
from tests.test_app import _new as _open
from tests.test_app import _params

# what links written before this table said: link name -> config field (the old links.CONFIG)
OLD_LINK_FIELDS = {"cell": "cell", "layers": "num_layers", "hidden": "hidden_size", "window": "window", "test": "test",
                   "transform": "transform", "scale": "scale", "epochs": "epochs", "lr": "lr", "batch": "batch_size",
                   "clip": "clip", "seed": "seed", "members": "members"}
CHANGED = dict(cell="gru", num_layers=2, hidden_size=7, lr=3e-4, batch_size=32, clip=0.5, seed=11, members=3,
               epochs=40, transform="log", scale="standard", window=6, test=10)


def test_every_link_name_of_the_old_writer_has_its_row_and_field():
    assert {row.link: row.field for row in TABLE.rows.values() if row.field} == OLD_LINK_FIELDS
    assert {"series", "len", "period", "noise", "nseed"} <= TABLE.links  # the built-in series' own controls


def test_the_link_writer_says_what_the_old_one_said():
    # the old config_params' output on main, for the airline preset and for a config with every field changed
    _, airline = preset("airline")
    assert link_params(airline) == {"cell": "lstm", "layers": "1", "hidden": "24", "window": "12", "test": "12",
                                    "transform": "auto", "scale": "minmax", "epochs": "250", "lr": "0.01",
                                    "batch": "0", "clip": "1", "seed": "0", "members": "1"}
    assert link_params(airline.replace(**CHANGED)) == {
        "cell": "gru", "layers": "2", "hidden": "7", "window": "6", "test": "10", "transform": "log",
        "scale": "standard", "epochs": "40", "lr": "0.0003", "batch": "32", "clip": "0.5", "seed": "11", "members": "3"}
    # uploaded weights bring their own model: only the data handling travels
    assert link_params(airline, trainable=False) == {"window": "12", "test": "12", "transform": "auto",
                                                     "scale": "minmax"}


def test_written_params_read_back_to_the_same_config():
    _, base = preset("airline")
    config = base.replace(**CHANGED)
    values = {name: TABLE[name].kind(raw) for name, raw in link_params(config).items()}
    assert base.replace(**TABLE.changes(values)) == config


def test_ranges_come_from_the_config_fields():
    assert (TABLE["hidden"].lo, TABLE["hidden"].hi) == (1, ModelConfig.bounds("hidden_size")["hi"]) == (1, 1024)
    assert (TABLE["layers"].lo, TABLE["layers"].hi) == (1, 8)
    assert (TABLE["seed"].lo, TABLE["seed"].hi) == (0, TrainConfig.bounds("seed")["hi"]) == (0, 1_000_000)
    assert (TABLE["members"].lo, TABLE["members"].hi) == (1, MAX_MEMBERS)
    assert TABLE["epochs"].hi == TrainConfig.bounds("epochs")["hi"] and TABLE["epochs"].lo == 10
    assert TABLE["cell"].options == ("lstm", "gru", "rnn") and TABLE["scale"].options == tuple(SCALERS)
    # the page's own narrowing: auto first among the transforms, windows up to 200
    assert TABLE["transform"].options == ("auto", *TRANSFORMS) and set(TABLE["transform"].options) == set(
        ForecastConfig.bounds("transform")["choices"])
    assert (TABLE["window"].lo, TABLE["window"].hi) == (2, 200)


def test_a_lessons_change_by_field_lands_on_its_control():
    assert TABLE.by_field("hidden_size").key == "hidden" and TABLE.by_field("batch_size").link == "batch"
    with pytest.raises(KeyError):
        TABLE.by_field("weight_decay")  # not a control on this page


def test_a_sine_link_written_before_opens_with_its_values_and_a_number_box_keeps_any_value():
    # main wrote noise as repr(float): "0.25"; a length off the +/- step of 50 is a fine length, not rounded
    at = _open(series="sine", len="333", period="25", noise="0.25", nseed="9", layers="2", members="3")
    assert at.number_input(key="sine_length").value == 333 and at.number_input(key="sine_period").value == 25
    assert at.number_input(key="sine_noise").value == 0.25 and at.number_input(key="sine_seed").value == 9
    assert at.number_input(key="sine:layers").value == 2 and at.slider(key="sine:members").value == 3
    assert not at.warning
    p = _params(at)
    assert (p["len"], p["period"], p["noise"], p["nseed"], p["layers"], p["members"]) == ("333", "25", "0.25", "9",
                                                                                          "2", "3")


def test_a_link_window_beyond_what_the_data_offers_is_clamped_to_it():
    at = _open(series="random_walk", window="500", test="999")  # 300 values: window up to 150, test up to 100
    assert at.slider(key="random_walk:window").value == 150 and at.slider(key="random_walk:test").value == 100
    text = " ".join(w.value for w in at.warning)
    assert "window=`'500'` is outside 2 to 150; using 150" in text and "test=`'999'` is outside 1 to 100" in text

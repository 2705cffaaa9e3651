"""Sampling: reproducible by seed, greedy at low temperature, bad settings refused."""
import numpy as np
import pytest
import torch

from lstmviz.errors import InputError
from lstmviz.text.generate import generate
from lstmviz.text.model import fit_text
from tests.test_text_model import REPEAT, TINY, tiny_fit  # noqa: F401  (tiny_fit is a fixture)

torch.set_num_threads(1)


def test_generate_is_reproducible_and_follows_the_model(tiny_fit):
    a, trace = generate(tiny_fit, "the ", 60, temperature=1.0, seed=7)
    b, _ = generate(tiny_fit, "the ", 60, temperature=1.0, seed=7)
    c, _ = generate(tiny_fit, "the ", 60, temperature=1.5, seed=8)
    assert a == b and a != c and a.startswith("the ") and len(a) == 64
    assert trace.get("h").shape == (64, TINY.model.hidden_size)
    # nearly zero temperature: each character is the argmax of the full forward over the text so far
    greedy, trace = generate(tiny_fit, "the ", 40, temperature=1e-30, seed=0)
    ids = tiny_fit.vocab.encode(greedy)
    np.testing.assert_array_equal(trace.output[0, 3:-1].argmax(-1).numpy(), ids[4:])


def test_generate_with_a_gru():
    fit = fit_text(REPEAT, TINY.replace(cell="gru", epochs=2))
    text, trace = generate(fit, "the", 5, seed=1)
    assert len(text) == 8 and trace.kind() == "gru" and trace.get("z").shape == (8, TINY.model.hidden_size)
    assert generate(fit, "the", 5, seed=1)[0] == text


@pytest.mark.parametrize("kwargs, message", [
    (dict(temperature=0), "temperature must be a number above 0"),
    (dict(temperature=-1.0), "above 0"),
    (dict(temperature=float("nan")), "above 0"),
    (dict(temperature="hot"), "above 0"),
    (dict(prompt="the Q"), r"not in the model's vocabulary: 'Q'"),
    (dict(prompt=""), "prompt of at least one character"),
    (dict(length=0), "length must be at least 1"),
])
def test_generate_refuses_bad_settings(tiny_fit, kwargs, message):
    args = dict(prompt="the ", length=10, temperature=1.0) | kwargs
    with pytest.raises(InputError, match=message):
        generate(tiny_fit, **args)

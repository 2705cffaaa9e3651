"""The gallery's character models (kind "text"): each recipe, scaled down, trains and writes a file under
1.5 MB that loads (weights_only) into a TextRun with exactly the stored weights, vocabulary and held-out
excerpt; bits per character measured again on the excerpt equal those measured at training, the unigram
baseline rebuilt from stored counts equals model.unigram_bpc on the texts, and the CLI's units are the same."""
import json

import numpy as np
import pytest
import torch

from lstmviz import gallery, record
from lstmviz.gallery.summary import summarize
from lstmviz.gallery.texts import excerpt_unigram_bpc
from lstmviz.text import TextRun, unigram_bpc

SCALE = 0.03  # one epoch over a few tens of thousands of characters: the recipe end to end, not its target


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    """Both text entries pretrained at SCALE: name -> (fields written, path)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    where = tmp_path_factory.mktemp("gallery_text")
    yield {name: (gallery.pretrain(name, where / f"{name}.pt", scale=SCALE), where / f"{name}.pt")
           for name in ("code", "prose")}
    torch.set_num_threads(before)


@pytest.mark.parametrize("name", ["code", "prose"])
def test_a_text_recipe_trains_writes_and_reloads_exactly(small, name):
    fields, path = small[name]
    raw = torch.load(path, weights_only=True)
    assert raw["kind"] == "text" and raw["recipe"] == gallery.entry(name).recipe and raw["seed"] == 0
    assert path.stat().st_size == fields["bytes"] < 1_500_000
    run = gallery.load(name, path)
    assert isinstance(run, TextRun)
    fit = run.fit
    for k, v in fit.model.state_dict().items():  # the model opened is exactly the stored one
        assert torch.equal(v, raw["state"][k]), k
    assert "".join(fit.vocab.chars) == raw["vocab"] and fit.val_text == raw["excerpt"] and fit.train_text == ""
    assert len(raw["excerpt"]) == raw["data"]["held_out_chars"]  # small: the whole held-out text is kept
    m = fields["metrics"]
    assert run.bpc == m["excerpt_bpc"] == m["bpc"]  # small: the excerpt is the whole held-out text
    from lstmviz.text.model import bpc
    assert bpc(fit, raw["excerpt"]) == run.bpc  # what the file stores is what its weights measure
    assert run.unigram_bpc == m["excerpt_unigram_bpc"] == pytest.approx(m["unigram_bpc"], rel=1e-12)
    snaps = fit.result.snapshots
    assert 2 <= len(snaps) <= 5 and snaps[0][0] == 0 and snaps[-1][0] == len(fit.result.losses)
    assert all(torch.equal(snaps[-1][1][k], v) for k, v in raw["state"].items())
    x = torch.from_numpy(fit.vocab.encode(fit.val_text[:60]))[None]
    assert record(fit.model, x).max_error <= 1e-5


def test_unigram_from_counts_is_model_unigram_bpc():
    rng = np.random.default_rng(0)
    train = "".join(rng.choice(list("ab c\n("), 500))
    test = "".join(rng.choice(list("ab cz"), 80))  # z: never in training, smoothed as model.unigram_bpc does
    chars = "".join(sorted(set(train)))
    counts = [train.count(c) for c in chars]
    assert excerpt_unigram_bpc(counts, chars, test) == pytest.approx(unigram_bpc(train, test), rel=1e-12)


def test_the_summary_prints_bpc_and_the_units_measured_at_training(small):
    code = summarize(gallery.load_entry("code", small["code"][1]))
    fields = small["code"][0]
    assert code["metric"]["value"] == fields["metrics"]["bpc"] and code["metric"]["baseline_name"] == "unigram"
    assert code["units"] == fields["metrics"]["units"]  # the same unseen source, the same weights
    assert {u["feature"] for u in code["units"]} >= {"in_string", "bracket_depth", "indent"}
    assert all(-1 <= u["correlation"] <= 1 and u["quantity"] in ("h", "c") for u in code["units"])
    prose = summarize(gallery.load_entry("prose", small["prose"][1]))
    assert prose["units"] == small["prose"][0]["metrics"]["units"] and "word_position" in {
        u["feature"] for u in prose["units"]}
    assert json.loads(json.dumps(code))["units"] == code["units"]  # plain JSON values

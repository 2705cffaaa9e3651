"""The gallery's character-model recipes: their corpora, and a scaled-down run of each so they cannot rot."""
import math

import numpy as np
import pytest

from lstmviz.errors import InputError
from lstmviz.text.recipes import (code_config, code_corpus, code_files, code_units, prose_corpus, prose_units,
                                  train_code, train_prose)
from lstmviz.text.model import record_text
from lstmviz.text.units import CODE_FEATURES, code_features


def test_code_files_keep_plain_library_source_and_skip_tests(tmp_path):
    (tmp_path / "b.py").write_text("x = 1\n")
    (tmp_path / "a.py").write_text("def f():\n    return 'a'\n")
    (tmp_path / "tabs.py").write_text("if x:\n\ty = 1\n")
    (tmp_path / "latin.py").write_bytes("s = 'caf\u00e9'\n".encode())
    (tmp_path / "notes.txt").write_text("not code\n")
    for skipped in ("test", "site-packages"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "c.py").write_text("y = 2\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "d.py").write_text("z = 3")
    assert [p.relative_to(tmp_path).as_posix() for p in code_files(tmp_path)] == ["a.py", "b.py", "pkg/d.py"]
    text = code_corpus(36, seed=0, root=tmp_path)  # all of it
    # whole files, each ending in a newline, in a seeded order
    assert sorted(text.splitlines(keepends=True)) == sorted(["def f():\n", "    return 'a'\n", "x = 1\n", "z = 3\n"])
    assert code_corpus(36, seed=0, root=tmp_path) == text
    assert code_corpus(12, seed=0, root=tmp_path) == text[:12]
    with pytest.raises(InputError, match="fewer than 37 characters"):
        code_corpus(37, seed=0, root=tmp_path)
    # skip starts at the first whole file after the skipped characters
    first = text.index("\n", 0) + 1 if text.startswith("x") or text.startswith("z") else len("def f():\n    return 'a'\n")
    assert code_corpus(36 - first, seed=0, root=tmp_path, skip=1) == text[first:]
    with pytest.raises(InputError, match="no Python source"):
        code_corpus(100, root=tmp_path / "pkg" / "nothing")


def test_the_code_corpus_is_the_standard_library_read_in_a_seeded_order():
    text = code_corpus(5_000, seed=0)
    assert len(text) == 5_000 and text == code_corpus(5_000, seed=0) and text != code_corpus(5_000, seed=1)
    first = next(p.read_text() for p in code_files() if text.startswith(p.read_text()[:200]))
    assert text.startswith(first[:5_000])
    assert set(text) <= {chr(c) for c in range(32, 127)} | {"\n"}


def test_the_code_recipe_scaled_down_trains_and_names_its_best_units():
    run = train_code(seed=0, scale=0.01)
    assert run.fit.config == code_config(0, 0.01) and run.fit.config.train.epochs >= 1
    assert math.isfinite(run.bpc) and 0 < run.bpc < 8 and math.isfinite(run.unigram_bpc)
    units = code_units(run, steps=3_000)  # unseen source, from the first line of a file
    assert {u["feature"] for u in units} <= set(CODE_FEATURES) and {"indent", "line_position"} <= {u["feature"] for u in units}
    H = run.fit.config.model.hidden_size
    for u in units:
        assert u["quantity"] in ("h", "c") and 0 <= u["unit"] < H and u["layer"] == 0 and 0 < abs(u["correlation"]) <= 1
    # on a given text, each is the unit of h or c with the largest |r|, as numpy's corrcoef finds it
    text = run.fit.train_text[:600]
    trace = record_text(run.fit, text)
    feats = code_features(text)
    for u in code_units(run.fit, text=text):
        r = {(q, j): np.corrcoef(feats[u["feature"]], trace.get(q)[:, j].astype(np.float64))[0, 1]
             for q in ("h", "c") for j in range(H)}
        best = max(r, key=lambda k: abs(np.nan_to_num(r[k])))
        assert (u["quantity"], u["unit"]) == best and u["correlation"] == pytest.approx(r[best], abs=1e-9)


def test_the_prose_recipe_reads_the_king_james_bible_and_trains_scaled_down():
    text = prose_corpus(2_000)
    assert text.startswith("In the beginning God created the heaven and the earth.\nAnd the earth was without form")
    assert len(text) == 2_000
    run = train_prose(seed=0, scale=0.01)
    assert math.isfinite(run.bpc) and math.isfinite(run.unigram_bpc)
    assert "line_position" in {u["feature"] for u in prose_units(run, steps=3_000)}


@pytest.mark.parametrize("scale", [0, -1, 1.5, np.nan])
def test_a_scale_outside_0_to_1_is_refused(scale):
    with pytest.raises(InputError, match="scale"):
        code_config(0, scale)

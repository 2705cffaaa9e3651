"""Ensembles: K members trained as one batched model learn exactly as each would alone; forecasts are medians."""
import copy

import numpy as np
import pytest
import torch

from lstmviz.data import builtin
from lstmviz.ensemble import Packed, train_members
from lstmviz.choose_target import recursive_path
from lstmviz.forecast import ForecastConfig, evaluate, fit
from lstmviz.forecast_run import forecast_job
from lstmviz.models import SequenceModel
from lstmviz.train import TrainConfig, TrainData, init_weights, train

SMALL = ForecastConfig().replace(window=6, test=6, transform="none", hidden_size=4, members=3).replace(epochs=5)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_packed_training_matches_each_member_trained_alone(cell):
    torch.manual_seed(0)
    X, y = torch.randn(30, 7, 1, dtype=torch.float64), torch.randn(30, 1, dtype=torch.float64)
    members = [init_weights(SequenceModel(cell, 1, 5, num_layers=2), s).double() for s in range(3)]
    alone = [copy.deepcopy(m) for m in members]
    config = TrainConfig(epochs=6, lr=1e-2, clip=0.05)  # a small clip, so that per-member clipping matters
    packed = Packed(members)
    with torch.no_grad():  # the packed forward is each member's forward
        np.testing.assert_allclose(packed(X).numpy(), torch.cat([m(X) for m in members], 1).numpy(), atol=1e-12)
    result = train_members(members, TrainData(X, y), config)
    losses = []
    for m, a in zip(members, alone):
        losses.append(train(a, TrainData(X, y), config).losses)
        for (name, p), q in zip(m.named_parameters(), a.parameters()):
            assert torch.allclose(p, q, atol=1e-12), name
    np.testing.assert_allclose(result.losses, np.mean(losses, axis=0), rtol=1e-12)
    assert torch.equal(result.snapshots[-1][1]["head.weight"], members[0].state_dict()["head.weight"])


def test_ensemble_is_reproducible_and_says_how_many_models():
    series = builtin("trend_season", length=80)
    a, b = fit(series, SMALL.replace(seed=2)), fit(series, SMALL.replace(seed=2))
    ra, rb = evaluate(a), evaluate(b)
    assert np.array_equal(ra.test_predictions, rb.test_predictions) and a.result.losses == b.result.losses
    assert ra.members == 3 and ra.member_seeds == (6, 7, 8) and len(a.members) == 3
    assert a.member_label == "member 1 of 3 (seed 6)"
    c = evaluate(fit(series, SMALL.replace(seed=3)))
    assert c.member_seeds == (9, 10, 11) and not np.array_equal(c.test_predictions, ra.test_predictions)


def test_ensemble_forecast_is_the_median_of_its_members():
    series = builtin("trend_season", length=80)
    f = fit(series, SMALL)
    r = evaluate(f, horizon=4)
    n = f.n_train
    paths = [recursive_path(m, f.transform, f.target, 6, series.values[:n], 6) for m in f.members]
    assert not np.allclose(paths[0], paths[1])  # the members differ
    np.testing.assert_allclose(r.test_predictions, np.median(paths, axis=0), rtol=1e-12)
    one = fit(series, SMALL.replace(members=1, seed=0))  # member 1 is the model seed 0 trains alone
    np.testing.assert_allclose(f.model.head.weight.detach(), one.model.head.weight.detach(), atol=1e-5)


def test_job_gate_view_records_member_one_exactly():
    series = builtin("trend_season", length=80)
    job = forecast_job(series, SMALL).start()
    assert job.wait(120) and job.error is None
    run = job.result
    final = run.snapshot_epochs[-1]
    x = torch.randn(2, 6, 1)
    with torch.no_grad():
        assert torch.equal(run.model_at(final)(x), run.fitted.model(x))
    trace = run.trace(final, 0, 30)
    assert trace.max_error <= 1e-5
    assert run.report.members == 3 and run.fitted.member_label == "member 1 of 3 (seed 0)"

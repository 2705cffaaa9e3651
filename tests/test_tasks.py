"""Sequence tasks: generators against hand checks, CSV tasks, the unit finder against np.corrcoef, training."""
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lstmviz.errors import InputError
from lstmviz.models import SequenceModel, count_parameters
from lstmviz.record import record
from lstmviz.train import init_weights
from lstmviz.tasks import (DEFAULTS, TASKS, Task, TaskConfig, TaskReport, adding, anbn, default_config, evaluate_task,
                           find_units, fit_task, from_csv, parity, remember, rise_fall, run_task, step_correlation)

FAST = settings(max_examples=25, deadline=None)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def strings(task: Task) -> list[str]:
    """anbn inputs as text without the padding."""
    return [task.example(k).split(" -> ")[0].lstrip("_") for k in range(len(task))]


def is_anbn(s: str) -> bool:
    m = re.fullmatch(r"(a+)(b+)", s)
    return bool(m) and len(m.group(1)) == len(m.group(2))


# --- generators --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(TASKS))
def test_shapes_dtypes_and_known_quantities(name):
    length = DEFAULTS[name].length
    t = TASKS[name](101, length, 3)
    assert t.name == name and len(t) == 101 and t.length == length
    assert t.X.dtype == np.float32 and t.X.ndim == 3
    assert t.input_size == {"adding": 2, "anbn": 3}.get(name, 1)
    if t.kind == "classify":
        assert t.y.shape == (101,) and t.y.dtype == np.int64 and t.output_size == len(t.classes) == 2
        assert np.bincount(t.y).tolist() == [51, 50]  # exactly balanced
    else:
        assert t.y.shape == (101, 1) and t.y.dtype == np.float32 and t.classes is None
    assert t.known and all(v.shape == (101, length) and v.dtype == np.float64 for v in t.known.values())
    assert t.description and " -> " in t.example(0)
    assert t.example(0) == f"{t.sequence(0)} -> {t.answer(0)}"
    with pytest.raises(ValueError):
        t.X[0, 0, 0] = 1  # read-only: a cached task cannot be changed by accident


@pytest.mark.parametrize("name", list(TASKS))
def test_same_seed_same_data_other_seed_other_data(name):
    length = DEFAULTS[name].length
    a, b, c = TASKS[name](50, length, 7), TASKS[name](50, length, 7), TASKS[name](50, length, 8)
    assert np.array_equal(a.X, b.X) and np.array_equal(a.y, b.y)
    assert all(np.array_equal(a.known[k], b.known[k]) for k in a.known)
    assert not np.array_equal(a.X, c.X)


@FAST
@given(n=st.integers(1, 60), length=st.integers(2, 80), seed=st.integers(0, 2**32))
def test_adding_target_is_the_sum_of_the_two_marked_values(n, length, seed):
    t = adding(n, length, seed)
    values, marker = t.X[..., 0].astype(np.float64), t.X[..., 1]
    assert np.all((values >= 0) & (values < 1))
    half = length // 2
    assert np.all(marker[:, :half].sum(1) == 1) and np.all(marker[:, half:].sum(1) == 1)
    first, second = marker[:, :half].argmax(1), half + marker[:, half:].argmax(1)
    rows = np.arange(n)
    np.testing.assert_allclose(t.y[:, 0], values[rows, first] + values[rows, second], rtol=1e-6)
    np.testing.assert_array_equal(t.known["seen markers"][:, -1], 2)
    np.testing.assert_array_equal(t.known["seen markers"][rows, first], 1)
    np.testing.assert_allclose(t.known["marked sum so far"][:, -1], t.y[:, 0], rtol=1e-6)
    assert t.example(0).count("[") == 2


def test_adding_constant_predictor_scores_one_sixth():
    y = adding(20000, 50, 0).y[:, 0]
    assert np.mean((y - y.mean()) ** 2) == pytest.approx(1 / 6, abs=0.005)


@FAST
@given(n=st.integers(1, 80), length=st.integers(4, 40), seed=st.integers(0, 2**32), longer=st.booleans())
def test_anbn_positives_are_anbn_and_negatives_are_not(n, length, seed, longer):
    t = anbn(n, length, seed, longer=longer)
    N = (length - 2) // 2
    assert t.length == (4 * N + 2 if longer else length)
    assert np.all(t.X.sum(2) == 1)  # one-hot
    for s, label, count, seen_b in zip(strings(t), t.y, t.known["running count"], t.known["seen b"]):
        assert is_anbn(s) == bool(label)
        assert set(s) <= {"a", "b"} and (s.startswith("a") or label == 0)
        k = s.count("a")
        assert (N + 1 <= k <= 2 * N) if longer else (1 <= k <= N)
        pad = t.length - len(s)
        walk = np.cumsum([1 if ch == "a" else -1 for ch in s])
        np.testing.assert_array_equal(count, np.concatenate([np.zeros(pad), walk]))
        np.testing.assert_array_equal(seen_b, np.cumsum([0] * pad + [ch == "b" for ch in s]) > 0)


def test_anbn_negatives_are_near_misses_or_swaps():
    t = anbn(4000, 22, 0)
    neg = [s for s, label in zip(strings(t), t.y) if label == 0]
    diffs = np.array([s.count("b") - s.count("a") for s in neg])
    assert set(np.unique(diffs)) == {-2, -1, 0, 1, 2}
    swapped = [s for s, d in zip(neg, diffs) if d == 0]
    assert 0.2 < len(swapped) / len(neg) < 0.3 and all("ba" in s for s in swapped)
    assert all(re.fullmatch(r"a+b*", s) for s, d in zip(neg, diffs) if d != 0)


@FAST
@given(n=st.integers(1, 60), length=st.integers(1, 40), seed=st.integers(0, 2**32), prefix=st.booleans())
def test_parity_label_and_running_parity(n, length, seed, prefix):
    t = parity(n, length, seed, prefix_zeros=prefix)
    bits = t.X[..., 0].astype(int)
    assert set(np.unique(bits)) <= {0, 1}
    np.testing.assert_array_equal(t.y, bits.sum(1) % 2)
    np.testing.assert_array_equal(t.known["running parity"], np.cumsum(bits, 1) % 2)
    assert t.example(0) == "".join(map(str, bits[0])) + " -> " + ("even", "odd")[t.y[0]]


def test_parity_prefix_zeros_make_short_strings():
    with_zeros, without = parity(2000, 20, 0).X[..., 0], parity(2000, 20, 0, prefix_zeros=False).X[..., 0]
    assert with_zeros[:, :10].mean() < 0.2 and without[:, :10].mean() == pytest.approx(0.5, abs=0.03)


def test_remember_and_rise_fall_labels_and_known():
    r = remember(300, 12, 1)
    np.testing.assert_array_equal(r.y[:, 0], r.X[:, 0, 0])
    np.testing.assert_array_equal(r.known["remembered value"], np.repeat(r.X[:, :1, 0], 12, 1))
    assert r.X.min() >= -1 and r.X.max() <= 1
    s = rise_fall(500, 5, 2)
    x = s.X[..., 0]
    np.testing.assert_array_equal(s.y, (x[:, -1] > x[:, 0]).astype(int))
    np.testing.assert_allclose(s.known["change since start"], x - x[:, :1])
    assert abs(x.mean()) < 0.1 and x.std() == pytest.approx(1, abs=0.05)  # still ~N(0, 1)


@pytest.mark.parametrize("call,message", [
    (lambda: adding(0, 50, 0), "at least 1"),
    (lambda: adding(10, 1, 0), "length must be 2 to"),
    (lambda: anbn(10, 3, 0), "length must be 4 to"),
    (lambda: parity(10, 10, -1), "seed must be 0 or more"),
    (lambda: remember(10.5, 10, 0), "whole number"),
    (lambda: rise_fall(10, 2000, 0), "length must be"),
    (lambda: adding(10**6, 50, 0), "too many"),
])
def test_bad_generator_arguments(call, message):
    with pytest.raises(InputError, match=message):
        call()


# --- CSV ---------------------------------------------------------------------------------------

def csv_bytes(rows: list[list], header=("t1", "t2", "t3", "label")) -> bytes:
    lines = [",".join(header)] + [",".join(map(str, r)) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def test_csv_text_labels_are_classes():
    rows = [[k, k + 1, k + 2, "up"] if k % 2 else [k + 2, k + 1, k, "down"] for k in range(12)]
    t = from_csv(csv_bytes(rows))
    assert t.kind == "classify" and t.classes == ("down", "up")
    assert t.X.shape == (12, 3, 1) and t.y.tolist() == [0, 1] * 6
    np.testing.assert_array_equal(t.X[1, :, 0], [1, 2, 3])
    np.testing.assert_allclose(t.known["running mean"][1], [1, 1.5, 2])


def test_csv_numbers_whole_are_classes_and_fractions_are_regressed(tmp_path):
    path = tmp_path / "s.csv"
    path.write_bytes(csv_bytes([[k, 0, 1, k % 3 * 5] for k in range(10)], header=("a", "b", "c", "y")))
    t = from_csv(path)
    assert t.classes == ("0", "5", "10") and t.y.tolist()[:4] == [0, 1, 2, 0]  # in numeric order
    neg = from_csv(csv_bytes([[k, 0, 1, k % 3 - 1] for k in range(10)], header=("a", "b", "c", "y")))
    assert neg.classes == ("-1", "0", "1") and neg.y.tolist()[:3] == [0, 1, 2]
    r = from_csv(csv_bytes([[k, 0, 1, k / 4] for k in range(10)], header=("a", "b", "c", "z")))
    assert r.kind == "regress" and r.y[3, 0] == pytest.approx(0.75) and r.length == 3
    s = from_csv(csv_bytes([[k % 2, 0, 1, k] for k in range(10)], header=("cls", "b", "c", "d")), label_column="cls")
    assert s.kind == "classify" and s.length == 3 and s.X[0, :, 0].tolist() == [0, 1, 0]


@pytest.mark.parametrize("data,kwargs,message", [
    (csv_bytes([[1, "x", 3, "a"]] + [[1, 2, 3, "ab"[k % 2]] for k in range(11)]), {}, "row 1, column 't2'"),
    (csv_bytes([[1, 2, 3, "ab"[k % 2]] for k in range(5)]), {}, "too few"),
    (csv_bytes([[1, 2, 3, "a"] for k in range(12)]), {}, "1 classes"),
    (csv_bytes([[1, 2, 3, k] for k in range(12)]), {"label_column": "kind"}, "no column 'kind'"),
    (csv_bytes([[1, k % 2] for k in range(12)], header=("t1", "label")), {}, "at least 2 step"),
    (csv_bytes([[1, 2, "", 1.5]] + [[1, 2, 3, 0.5]] * 11), {}, "row 1, column 't3'"),
    (csv_bytes([[1, 2, 3e300, k % 2] for k in range(12)]), {}, "above 1e30"),
    (b"", {}, "empty"),
    (b"\x00\x01binary", {}, "not a text file"),
])
def test_bad_csv_files(data, kwargs, message):
    with pytest.raises(InputError, match=re.escape(message)):
        from_csv(data, **kwargs)


def test_csv_size_is_bounded():
    with pytest.raises(InputError, match="rows"):
        from_csv(csv_bytes([[1, 2, 3, k % 2] for k in range(50)]), max_rows=20)


# --- the finder --------------------------------------------------------------------------------

def counter_lstm() -> SequenceModel:
    """An LSTM whose unit 0 counts a's minus b's: i = f = 1, g = tanh(0.5 (a - b)), so c = 0.46 * count."""
    m = SequenceModel("lstm", 3, 2, output_size=2)
    with torch.no_grad():
        for p in m.parameters():
            p.zero_()
        lstm = m.lstm
        lstm.bias_ih_l0[0:2] = 30  # i
        lstm.bias_ih_l0[2:4] = 30  # f
        lstm.weight_ih_l0[4, 1], lstm.weight_ih_l0[4, 2] = 0.5, -0.5  # g of unit 0
    return m


def test_finder_finds_a_planted_counter():
    t = anbn(200, 22, 0)
    best = find_units(counter_lstm(), t, top=2)
    count = [u for u in best if u["known"] == "running count"]
    assert count[0]["quantity"] == "c" and count[0]["unit"] == 0 and count[0]["layer"] == 0
    assert count[0]["correlation"] == pytest.approx(1.0, abs=1e-6)
    assert {u["known"] for u in best} == {"running count", "seen b"} and len(best) == 4
    assert [abs(u["correlation"]) for u in best] == sorted((abs(u["correlation"]) for u in best), reverse=True)


def test_finder_agrees_with_corrcoef_on_a_random_two_layer_gru():
    model = init_weights(SequenceModel("gru", 2, 5, num_layers=2), 0).double()
    X = np.random.default_rng(1).normal(size=(40, 9, 2))
    trace = record(model, torch.tensor(X))
    planted = trace.block(layer=1).arrays["z"][:, :, 3].T  # (n, T): unit 3's z in layer 1
    noise = np.random.default_rng(2).normal(size=planted.shape) * planted.std()
    known = {"planted": planted + noise, "flat": np.ones((40, 9))}
    best = find_units(model, X, known, top=30)
    # every (layer, quantity, unit) against np.corrcoef, one at a time
    want = []
    for layer in (0, 1):
        for q in ("r", "z", "n", "h"):
            a = trace.block(layer=layer).arrays[q]  # (T, n, H)
            for unit in range(5):
                want.append(np.corrcoef(a[:, :, unit].T.ravel(), known["planted"].ravel())[0, 1])
    got = [u for u in best if u["known"] == "planted"]
    assert [u["correlation"] for u in got] == pytest.approx(sorted(want, key=abs, reverse=True)[:30], abs=1e-9)
    assert (got[0]["layer"], got[0]["quantity"], got[0]["unit"]) == (1, "z", 3)
    assert 0.5 < abs(got[0]["correlation"]) < 0.9  # the noise keeps it honest
    # the scales the unit finder's chart standardizes with: mean and sd over every (sample, t)
    z3 = trace.block(layer=1).arrays["z"][:, :, 3]
    assert got[0]["unit_ref"] == pytest.approx((z3.mean(), z3.std()), abs=1e-12)
    assert got[0]["known_ref"] == pytest.approx((known["planted"].mean(), known["planted"].std()), abs=1e-12)
    assert all(u["correlation"] == 0.0 for u in best if u["known"] == "flat")  # constant: 0, never NaN


def test_finder_restricts_quantities_and_rejects_bad_known():
    t = anbn(30, 10, 0)
    assert {u["quantity"] for u in find_units(counter_lstm(), t, quantities=("h", "o"))} <= {"h", "o"}
    with pytest.raises(InputError, match="must be"):
        find_units(counter_lstm(), t.X, {"count": np.zeros((30, 9))})
    with pytest.raises(InputError, match="known quantities"):
        find_units(counter_lstm(), t.X)


# --- configs and training ----------------------------------------------------------------------

def test_config_round_trip_and_checks():
    c = default_config("anbn", hidden_size=8)
    assert TaskConfig.from_dict(c.to_dict()) == c and hash(c) == hash(TaskConfig.from_dict(c.to_dict()))
    assert TaskConfig() == DEFAULTS["adding"]
    with pytest.raises(InputError, match="unknown setting"):
        c.replace(colour="red")
    with pytest.raises(InputError, match="no task 'nope'"):
        default_config("nope")
    with pytest.raises(InputError, match="cell must be one of"):
        default_config("parity", cell="transformer")
    with pytest.raises(InputError, match="learning rate"):
        default_config("parity", lr=0)


def test_fit_learns_rise_fall_and_is_reproducible():
    config = default_config("rise_fall", n_train=400, n_test=300, hidden_size=16, lr=1e-2, epochs=15)
    a, b = fit_task(config), fit_task(config)
    assert a.result.losses == b.result.losses and a.result.epochs_run == 15
    report = evaluate_task(a)
    assert isinstance(report, TaskReport) and report.beats_baseline
    assert report.metric == "accuracy" and report.value > 0.9 > 0.6 > report.baseline
    cm = np.array(report.confusion)
    assert cm.sum() == 300 and np.trace(cm) / 300 == pytest.approx(report.value)
    assert report.classes == ("falls", "rises") and report.longer is None
    plain = report.to_dict()  # what the command line prints
    assert plain["classes"] == ["falls", "rises"] and plain["confusion"] == cm.tolist() and "longer" not in plain


def test_the_old_name_seed004_is_the_rise_fall_task():
    """Links and scripts written before the rename still name the task."""
    assert default_config("seed004") == DEFAULTS["rise_fall"]
    assert TaskConfig().replace(task="seed004").task == "rise_fall"
    assert TaskConfig.from_dict({"task": "seed004", "length": 5}).task == "rise_fall"
    assert "seed004" not in TASKS and rise_fall(20, 5, 0).name == "rise_fall"


def test_anbn_default_learns_and_has_a_counting_cell():
    fit = fit_task(default_config("anbn", epochs=25))
    report = evaluate_task(fit)
    assert report.value >= 0.99
    longer = report.longer
    assert longer.k == (11, 20) and longer.trained_k == (1, 10) and longer.length == 42
    assert 0 <= longer.accuracy <= 1 and set(longer.by_k) == set(range(11, 21))
    ks = fit.longer.X[..., 1].sum(1).round()
    assert sum(longer.by_k[k] * np.sum(ks == k) for k in longer.by_k) / len(ks) == pytest.approx(longer.accuracy)
    assert report.to_dict()["longer"]["by_k"].keys() == {str(k) for k in range(11, 21)}
    best = find_units(fit.model, fit.test, {"running count": fit.test.known["running count"]}, quantities=("c",))
    assert abs(best[0]["correlation"]) >= 0.9


def test_regression_baseline_is_the_training_mean():
    fit = fit_task(default_config("remember", n_train=100, n_test=50, epochs=2))
    report = evaluate_task(fit)
    y = fit.test.y[:, 0].astype(np.float64)
    assert report.metric == "mse" and report.classes is None and report.confusion is None
    assert report.baseline == pytest.approx(np.mean((y - fit.train.y.mean()) ** 2))
    with torch.no_grad():
        p = fit.model(torch.tensor(fit.test.X))[:, 0].numpy()
    assert report.value == pytest.approx(np.mean((p - y) ** 2), rel=1e-5)


def test_fit_on_a_csv_task():
    rng = np.random.default_rng(0)
    rows = [[*np.round(rng.normal(size=4), 3), "hi" if k % 2 else "lo"] for k in range(60)]
    for r in rows:
        r[3] = r[3] + (3 if r[4] == "hi" else -3)  # the last step gives the class away
    t = from_csv(csv_bytes(rows, header=("a", "b", "c", "d", "label")))
    fit = fit_task(TaskConfig().replace(hidden_size=8, epochs=30, n_test=20), task=t)
    assert fit.config.task == "csv" and fit.config.length == 4 and len(fit.test) == 12 and len(fit.train) == 48
    assert evaluate_task(fit).value >= 0.9


def test_each_cell_on_the_same_data_as_the_compare_view_runs_them():
    config = default_config("parity", length=6, n_train=200, n_test=50, hidden_size=4, epochs=3)
    runs = {c: run_task(config.replace(cell=c)) for c in ("lstm", "gru", "rnn")}
    # parameters: gates * (H * (I + H) + 2 H) + head (H + 1) * 2 classes
    assert [count_parameters(r.fit.model) for r in runs.values()] == [4 * (4 * 5 + 8) + 10, 3 * (4 * 5 + 8) + 10,
                                                                     (4 * 5 + 8) + 10]
    assert all(len(r.fit.result.losses) == 3 and len(r.fit.result.val_losses) == 3 for r in runs.values())
    assert len({r.fit.result.losses[0] for r in runs.values()}) == 3  # different cells, different curves
    assert all(np.array_equal(r.fit.test.X, runs["lstm"].fit.test.X) for r in runs.values())  # the same data
    assert all(r.report == evaluate_task(r.fit) for r in runs.values())


def test_fit_traces_are_the_model_recorded_on_held_out_examples():
    fit = fit_task(default_config("anbn", n_train=100, n_test=40, hidden_size=3, epochs=1))
    one, block = fit.trace(7), fit.finder_trace(30)
    want, alone = record(fit.model, torch.tensor(fit.test.X[:30])), record(fit.model, torch.tensor(fit.test.X[7:8]))
    for q in ("i", "f", "g", "o", "c", "h"):
        np.testing.assert_array_equal(one.get(q), alone.get(q))
        np.testing.assert_array_equal(block.block().arrays[q], want.block().arrays[q])
        np.testing.assert_allclose(one.get(q), want.block().arrays[q][:, 7], atol=1e-6)  # batching: float32 sums
    assert fit.finder_trace().block().shape[1] == 40  # at most SAMPLES, here all 40


@FAST
@given(n=st.integers(3, 30), T=st.integers(1, 6), H=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_step_correlation_agrees_with_corrcoef_at_every_step(n, T, H, seed):
    rng = np.random.default_rng(seed)
    values, known = rng.normal(size=(T, n, H)), rng.normal(size=(n, T))
    values[:, :, 0] = 2.5  # a constant unit correlates 0, never NaN
    r = step_correlation(values, known)
    assert r.shape == (T, H) and np.all(r[:, 0] == 0)
    for t in range(T):
        for h in range(1, H):
            assert r[t, h] == pytest.approx(np.corrcoef(values[t, :, h], known[:, t])[0, 1], abs=1e-12)


def test_forget_bias_shifts_only_the_lstm_forget_gates_starting_bias():
    H = 5
    base = init_weights(torch.nn.LSTM(3, H, num_layers=2, bidirectional=True), 7)
    shifted = init_weights(torch.nn.LSTM(3, H, num_layers=2, bidirectional=True), 7, forget_bias=2.0)
    for (name, a), (_, b) in zip(base.named_parameters(), shifted.named_parameters()):
        if name.startswith("bias_ih"):
            assert torch.allclose(b[H:2 * H] - a[H:2 * H], torch.full((H,), 2.0))
            assert torch.equal(a[:H], b[:H]) and torch.equal(a[2 * H:], b[2 * H:])
        else:
            assert torch.equal(a, b), name
    gru = [init_weights(torch.nn.GRU(3, H), 7, forget_bias=f).bias_ih_l0 for f in (0.0, 2.0)]
    assert torch.equal(*gru)  # no forget gate to shift
    with pytest.raises(InputError, match="forget-gate bias must be a finite number"):
        default_config("remember", forget_bias=float("nan"))


def test_a_starting_forget_bias_lets_an_lstm_remember_over_30_steps():
    """What the Long memory lesson asks students to try: at T = 30 the default start stays at the
    constant predictor (a value fades as 0.5^30 before training can see it mattered); +2 solves it."""
    from lstmviz.lessons import check_memory

    results, seen = {}, {}
    for bias in (0.0, 2.0):
        fit = fit_task(default_config("remember", length=30, forget_bias=bias))
        results[bias], seen[bias] = evaluate_task(fit), check_memory(fit)
    assert results[0.0].value > 0.8 * results[0.0].baseline and not seen[0.0].seen
    assert results[2.0].value < 0.05 * results[2.0].baseline and seen[2.0].seen, seen[2.0].detail

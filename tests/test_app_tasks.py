"""The sequence-tasks page with AppTest: every view renders, uploads work or say what is wrong."""
import numpy as np
from streamlit.testing.v1 import AppTest

from lstmviz import analysis

from tests.test_app import APP, TIMEOUT


def _tasks(**params):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params.update({"explore": "tasks", **params})
    at.run()
    assert not at.exception, at.exception
    return at


def _train(at):
    at.button(key="task_train").click().run()
    assert not at.exception, at.exception
    return at


def _views(at):
    for view in ("Results", "Gate dynamics", "Unit finder", "Compare cells"):
        at.button_group(key="task_view").set_value(view).run()
        assert not at.exception, (view, at.exception)
        assert not at.error, (view, [e.value for e in at.error])


def test_parity_trains_and_every_view_renders():
    at = _tasks(task="parity", tlength="6", n="1000", epochs="15", hidden="8")
    assert at.selectbox(key="task").value == "parity"
    assert at.slider(key="task:parity:length").value == 6
    _train(at)
    table = at.table[0].value
    assert table.columns[0] == "accuracy" and table.iloc[0, 0].endswith("%")
    _views(at)
    at.button_group(key="task_view").set_value("Unit finder").run()
    finder = at.table[0].value
    assert set(finder["known"]) == {"running parity"}
    assert (finder["correlation"].abs() <= 1).all()
    r = [float(v) for v in finder["correlation"]]
    assert list(finder["match"]) == [analysis.match_strength(v) for v in r]
    # the unit followed gets a sentence on its own r; a weak one is a warning
    note = analysis.match_note(r[0], "running parity")
    shown = [c.value for c in at.caption] + [w.value for w in at.warning]
    assert note in shown
    assert (note in [w.value for w in at.warning]) == (abs(r[0]) < analysis.WEAK)
    assert at.query_params["view"] in ("finder", ["finder"])


def test_adding_reports_mse_against_the_mean_predictor():
    at = _tasks(task="adding", tlength="20", n="1000", epochs="3")
    _train(at)
    table = at.table[0].value
    assert table.columns[0] == "mse"
    assert 0.1 < float(table.iloc[1, 0]) < 0.25  # the mean predictor on U(0,1) + U(0,1)
    assert any("0.04" in c.value for c in at.caption)
    at.button_group(key="task_view").set_value("Gate dynamics").run()
    answer = next(c.value for c in at.caption if c.value.startswith("The model answers"))
    right = answer.split("right answer is **")[1].split("**")[0]
    # the example shown, its answer first: a long row that scrolls sideways cannot hide it
    assert any(c.value.startswith(f"{right} ← ") and "\n" not in c.value for c in at.code)


def test_a_csv_of_sequences_trains_and_a_bad_one_says_why():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(120, 6))
    labels = np.where(rows[:, -1] > rows[:, 0], "up", "down")
    text = "s1,s2,s3,s4,s5,s6,label\n" + "\n".join(",".join(f"{v:.3f}" for v in r) + f",{lab}"
                                                for r, lab in zip(rows, labels))
    at = _tasks(task="csv")
    at.file_uploader(key="task_upload").set_value(("seqs.csv", text.encode(), "text/csv")).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("120 sequences of 6 steps" in c.value for c in at.caption)
    _train(at)
    assert at.table[0].value.columns[0] == "accuracy"
    at.button_group(key="task_view").set_value("Gate dynamics").run()
    assert not at.exception

    bad = b"a,b,label\n1,x,0\n2,3,1\n"
    at.file_uploader(key="task_upload").set_value(("bad.csv", bad, "text/csv")).run()
    assert not at.exception
    assert any("bad.csv" in e.value for e in at.error)


def test_a_bad_task_link_is_ignored_with_a_notice():
    at = _tasks(task="rm -rf", tlength="99999", n="3")
    text = " ".join(w.value for w in at.warning)
    assert "task=`'rm -rf'` is not one of" in text
    assert "n=`'3'` is not one of" in text
    assert at.selectbox(key="task").value == "adding"


def test_forget_bias_control_comes_from_the_link_goes_back_into_it_and_only_for_an_lstm():
    at = _tasks(task="remember", tlength="30", fbias="1.9")  # snapped to the nearest offered, 2
    assert at.select_slider(key="task:remember:fbias").value == 2.0
    assert at.query_params["fbias"] in ("2", ["2"])
    at.select_slider(key="task:remember:fbias").set_value(0.5).run()
    assert at.query_params["fbias"] in ("0.5", ["0.5"])
    at.selectbox(key="task:remember:cell").set_value("gru").run()
    assert not at.exception
    assert "task:remember:fbias" not in [s.key for s in at.select_slider]
    assert "fbias" not in at.query_params
    at.selectbox(key="task:remember:cell").set_value("lstm").run()  # the LSTM's setting waited for it
    assert at.select_slider(key="task:remember:fbias").value == 0.5


def test_the_task_page_names_tasks_by_what_they_are_and_shows_answers_first():
    at = _tasks(task="seed004")
    words = " ".join([m.value or "" for m in at.markdown] + [c.value or "" for c in at.caption]
                     + list(at.selectbox(key="task").options))
    assert "seed 0" not in words.lower() and "?." not in words
    assert "Does a short sequence rise or fall?**" in words
    (code,) = at.code
    rows = code.value.splitlines()
    assert len(rows) == 3 and all(row.split(" ← ")[0].strip() in ("rises", "falls") for row in rows)

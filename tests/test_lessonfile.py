"""Lesson files: what a good one gives, every mistake as one line naming its line and field, placeholders
that only print measured values, CSVs that stay beside the lesson, and the five built-in files."""
import dataclasses
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lstmviz import lessons
from lstmviz.errors import InputError
from lstmviz.lessons.lessonfile import CONTROLS, placeholders
from tests.test_app import APP, TIMEOUT

ROOT = Path(__file__).resolve().parent.parent
GOOD = '''title = "6 · Mine"
text = """\\
Look at the forecast. \\
RMSE {rmse:.1f}, best baseline {best_baseline} at {best_baseline_rmse:.1f}."""

[data]
series = "airline"

[settings]
hidden_size = 16
epochs = 100

[view]
open = "gates"
unit = 3
timestep = 5

[[checks]]
name = "beats_baselines"
'''


def _error(text: str, name: str = "mine.toml", folder=None) -> str:
    with pytest.raises(InputError) as e:
        lessons.load_text(text, name, folder)
    message = str(e.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def test_a_good_file_gives_its_data_settings_view_checks_and_text():
    les = lessons.load_text(GOOD, "mine.toml")
    assert (les.id, les.title, les.kind, les.view, les.preset) == ("mine", "6 · Mine", "forecast", "gates", "airline")
    assert les.changes == {"hidden_size": 16, "epochs": 100} and les.task == {}
    assert les.focus == {"unit": 3, "t": 5} and les.checks == (("beats_baselines", ()),)
    assert les.printed == ("rmse", "best_baseline", "best_baseline_rmse")
    assert les.card_text() == "Look at the forecast. RMSE …, best baseline … at …."
    shown = les.card_text({"rmse": 12.345, "best_baseline": "seasonal naive", "best_baseline_rmse": 50.71})
    assert shown == "Look at the forecast. RMSE 12.3, best baseline seasonal naive at 50.7."
    task = lessons.load_text(GOOD.replace('series = "airline"', 'task = "remember"')
                             .replace("epochs = 100", "forget_bias = 2").replace('open = "gates"', 'open = "finder"')
                             .replace("beats_baselines", "remembers").replace("{rmse:.1f}", "{mse:.4f}")
                             .replace("{best_baseline} at {best_baseline_rmse:.1f}", "{unit}"), "t.toml")
    assert task.kind == "task" and task.task == {"task": "remember", "hidden_size": 16, "forget_bias": 2.0}
    assert isinstance(task.task["forget_bias"], float)  # a TOML 2 for a float field is taken as 2.0


@pytest.mark.parametrize("change, line, words", [
    (('title = "6 · Mine"', 'title = "6 · Mine'), 1, "title: illegal character"),
    (('open = "gates"', "open = gates"), 14, "open: invalid value at column 8"),
    (('title = "6 · Mine"', 'titel = "6"'), 1, "titel is not a lesson field"),
    (("[view]", "[veiw]"), 13, "veiw is not a lesson field; did you mean view?"),
    (("[view]", "[look]"), 13, "look is not a lesson field; the fields here are title, text, signature, controls"),
    (("hidden_size = 16", "size = 16"), 10, "[settings] size is not a setting; the settings are batch_size, cell"),
    (('series = "airline"', 'series = "airlines"'), 7, "[data] series must be one of airline, sine"),
    (('series = "airline"', 'series = "airline"\ntask = "anbn"'), 8, "[data] task must name one of series, task"),
    (("hidden_size = 16", "hiden_size = 16"), 10, "[settings] hiden_size is not a setting; did you mean hidden_size?"),
    (("hidden_size = 16", "hidden_size = 0"), 10, "[settings] hidden_size: hidden size must be 1 to 1,024, not 0"),
    (("hidden_size = 16", 'hidden_size = "big"'), 10, "[settings] hidden_size: hidden_size must be a whole number"),
    (("epochs = 100", "epochs = 100\nwindow = 500"), 9, "[settings]: 144 values are too few for window 500"),
    (('open = "gates"', 'open = "finder"'), 14, "[view] open must be one of forecast, gates, compare"),
    (("unit = 3", "unit = 30"), 15, "[view] unit must be below the hidden size, 16, not 30"),
    (("unit = 3", "example = 3"), 15, "[view] example is a task's sequence"),
    (("unit = 3", "window = 140"), 15, "[view] window (the window's first step) must be at most 132: the series"),
    (("timestep = 5", "timestep = 144"), 16, "[view] timestep must be below the series' length, 144"),
    (('name = "beats_baselines"', 'name = "counts"'), 19, "[[checks]] 1 name: counts runs on a task lesson"),
    (('name = "beats_baselines"', 'name = "beats_baseline"'), 19,
     "[[checks]] 1 name is not a check ('beats_baseline'); did you mean beats_baselines?"),
    (('name = "beats_baselines"', 'name = "periodic_gates"\nthreshhold = 0.9'), 20,
     "[[checks]] 1 threshhold is not a threshold of periodic_gates; did you mean threshold?"),
    (('name = "beats_baselines"', 'name = "periodic_gates"\nthreshold = 2'), 20,
     "[[checks]] 1 threshold must be a number from 0 to 1"),
    (("{rmse:.1f}", "{nope}"), 4, "text: {nope} is not a value this lesson measures; it can print {rmse}, {mae}"),
    (("{rmse:.1f}", "{rmse:zz}"), 4, "text: {rmse:zz} has a format Python cannot use"),
    (("Look at the forecast.", "Look at {the forecast."), 3, "text: "),
])
def test_each_mistake_is_one_line_naming_the_line_and_the_field(change, line, words):
    message = _error(GOOD.replace(*change))
    assert message.startswith(f"mine.toml, line {line}: "), message
    assert words in message, message


def test_a_line_of_text_that_looks_like_toml_does_not_move_the_line_numbers():
    text = GOOD.replace("Look at the forecast. \\", "Look at the forecast. \\\n[settings] \\\nhidden_size = 0 \\")
    les = lessons.load_text(text, "mine.toml")
    assert "[settings] hidden_size = 0 RMSE" in les.text and les.changes["hidden_size"] == 16
    message = _error(text.replace("hidden_size = 16", "hidden_size = 0"))
    assert message.startswith("mine.toml, line 12: [settings] hidden_size: hidden size must be 1 to 1,024"), message


def test_a_lesson_needs_title_text_one_data_source_and_a_check():
    assert _error(GOOD.replace('title = "6 · Mine"\n', "")) == 'mine.toml: the lesson needs a title (such as title = "...")'
    assert "needs at least one [[checks]] table: choose from beats_baselines" in \
        _error(GOOD.replace('[[checks]]\nname = "beats_baselines"\n', ""))
    assert "[data] must name one of series, task, gallery or csv" in _error(GOOD.replace('series = "airline"', ""))
    assert _error("x = 1").startswith("mine.toml, line 1: x is not a lesson field")
    with pytest.raises(InputError, match=r"^bad.toml, line 2: not UTF-8 text"):
        lessons.load_bytes(b'title = "x"\ntext = "\xff"\n', "bad.toml")


@pytest.mark.parametrize("code", ["{rmse.__class__}", "{rmse[0]}", "{rmse!r}", "{rmse:{rmse}}", "{0}", "{}",
                                  "{rmse.__class__.__init__.__globals__}", "{__import__}"])
def test_code_like_placeholders_are_refused(code):
    message = _error(GOOD.replace("{rmse:.1f}", code))
    assert message.startswith("mine.toml, line 4: text: "), message
    if code == "{__import__}":  # a plain name, but not one the run measures
        assert "{__import__} is not a value this lesson measures" in message
    else:
        assert "is not allowed: a placeholder is a plain name with an optional format" in message, message
        with pytest.raises(InputError):
            placeholders(code)


def test_placeholders_are_plain_names_with_format_specs():
    assert placeholders("a {x} b {y:.2f} {{not}} {z:>8}") == [("x", ""), ("y", ".2f"), ("z", ">8")]
    sine = GOOD.replace('"airline"', '"sine"').replace("beats_baselines", "periodic_gates")
    sine = re.sub(r"RMSE \{.*\}\.", "forget {mean_forget_after:.2f} at unit {unit:d}, {rmse:>8.3f}.", sine)
    les = lessons.load_text(sine, "s.toml")
    assert les.printed == ("mean_forget_after", "unit", "rmse")
    assert les.card_text({"mean_forget_after": 0.567, "unit": 2, "rmse": 0.01}).endswith(
        "forget 0.57 at unit 2,    0.010.")


def test_a_csv_beside_the_lesson_is_read_and_may_not_escape_its_folder(tmp_path):
    folder = tmp_path / "lessons"
    folder.mkdir()
    values = np.round(np.sin(np.arange(120) / 3) * 10 + 50, 3)
    (folder / "wave.csv").write_text("value\n" + "\n".join(map(str, values)) + "\n")
    (tmp_path / "secret.csv").write_text("value\n1\n2\n")
    text = GOOD.replace('series = "airline"', 'csv = "wave.csv"').replace("{best_baseline} at ", "").replace(
        "{best_baseline_rmse:.1f}", "")
    les = lessons.load_text(text, "wave.toml", folder)
    assert les.kind == "forecast" and les.data == {"csv": "wave.csv", "column": None} and les.preset == ""
    assert np.allclose(les.series.values, values)
    for escape in ("../secret.csv", "/etc/passwd", "sub/../../secret.csv", "C:/x.csv", "..\\\\secret.csv"):
        message = _error(text.replace("wave.csv", escape), "wave.toml", folder)
        assert message.startswith("wave.toml, line 7: [data] csv must") and "beside the lesson" in message or \
            "stay in the lesson's folder" in message, message
    (folder / "link.csv").symlink_to(tmp_path / "secret.csv")
    assert "must stay in the lesson's folder" in _error(text.replace("wave.csv", "link.csv"), "wave.toml", folder)
    uploaded = _error(text, "wave.toml", None)
    assert "an uploaded lesson can only use built-in data (series or task) or a gallery entry" in uploaded


def test_a_gallery_entry_is_named_in_the_data_table():
    message = _error(GOOD.replace('series = "airline"', 'gallery = "nope"'))  # no such entry
    assert message.startswith("mine.toml, line 7: [data] gallery") and "anbn" in message
    # an entry that exists: the data is fine, and the settings (a trained model's own) are what is refused
    message = _error(GOOD.replace('series = "airline"', 'gallery = "anbn"'))
    assert "[settings]" in message and "a gallery entry is trained already" in message


def test_a_lesson_on_a_gallery_entry_uses_that_entrys_views_and_checks():
    anbn = 'title = "7 · Pretrained"\ntext = "Held-out accuracy {accuracy:.1%}."\n\n[data]\ngallery = "anbn"\n\n'
    les = lessons.load_text(anbn + '[view]\nopen = "finder"\n\n[[checks]]\nname = "counts"\n', "mine.toml")
    assert les.kind == "gallery" and les.data == {"gallery": "anbn"} and les.view == "finder"
    assert "[view] open must be one of results, gates, finder" in _error(
        anbn + '[view]\nopen = "forecast"\n\n[[checks]]\nname = "counts"\n')  # a task model's views
    assert "counts runs on a task lesson, and this is a lesson on a forecast model" in _error(
        anbn.replace('"anbn"', '"airline"') + '[[checks]]\nname = "counts"\n')
    assert "beats_baselines runs on a forecast" in _error(anbn + '[[checks]]\nname = "beats_baselines"\n')
    assert "remembers needs the task remember" in _error(anbn + '[[checks]]\nname = "remembers"\n')
    message = _error(anbn.replace('"anbn"', '"code"') + '[[checks]]\nname = "counts"\n')
    assert "[data] gallery: code is a text model, and lessons open forecast and task entries" in message
    seen = lessons.run("counting_pretrained")  # the stored model, checked: it counts on, every n to 100
    assert seen.seen and "It counts past the lengths it saw" in seen.claims[-1].text
    assert seen.values["longer_worst_accuracy"] >= 0.95


def test_the_five_files_are_the_lessons_as_they_were():
    before = json.loads((ROOT / "tests" / "data" / "lessons_before_files.json").read_text())
    assert list(lessons.LESSONS) == [*before, "counting_pretrained"]  # the five, then the one on a gallery entry
    for lid, les in ((lid, lessons.LESSONS[lid]) for lid in before):
        now = {f: (list(v) if isinstance(v, tuple) else v) for f, v in dataclasses.asdict(les).items() if f in before[lid]}
        assert now == before[lid], lid
        assert les.source == f"{lid}.toml"
        top = ROOT / "assets" / "lessons" / f"{lid}.toml"  # the file itself, where a teacher looks for it
        assert not top.is_symlink() and top.read_bytes() == (lessons.BUILTIN / f"{lid}.toml").read_bytes()
    # each keeps its check's thresholds as they were written in Python
    assert {lid: les.checks for lid, les in lessons.LESSONS.items()} == {
        "airline": (("beats_baselines", ()),),
        "sine": (("periodic_gates", (("threshold", 0.95), ("swing", 0.05), ("forget_mid", 0.75))),),
        "memory": (("remembers", (("mse_share", 0.1), ("hold", 0.9), ("keep", 0.9))),),
        "counting": (("counts", (("accuracy", 0.99), ("r_at_least", 0.9), ("longer_margin", 0.1))),),
        "lstm_vs_gru": (("same_footing", (("of_seasonal_naive", 0.6), ("ratio_at_most", 1.25))),),
        "counting_pretrained": (("counts", (("accuracy", 0.99), ("r_at_least", 0.9), ("longer_margin", 0.1))),)}
    for name, check in lessons.CHECKS.items():  # ... which are the defaults
        used = next(les.checks[0][1] for les in lessons.LESSONS.values() if les.checks[0][0] == name)
        assert dict(used) == {k: p.default for k, p in check.params.items()}


def _report(rmse: float, snaive: float):
    return SimpleNamespace(metrics={"lstm": {"rmse": rmse}, "seasonal_naive": {"rmse": snaive}})


def test_a_threshold_changes_the_mark_and_the_verdict():
    reports = {"lstm": _report(20.0, 50.0), "gru": _report(22.0, 50.0)}
    params = {"lstm": 400, "gru": 300}
    default = lessons.check_same_footing(reports, params)
    assert default.claims[0].text.endswith("against 50.0 (under 60% of it, 30.0, is the mark).")
    assert default.claims[1].text == "They land close together: the larger RMSE is 1.10 times the smaller (at most 1.25 is the mark)."
    assert default.seen and default.values["ratio"] == pytest.approx(1.1)
    strict = lessons.check_same_footing(reports, params, of_seasonal_naive=0.4, ratio_at_most=1.05)
    assert "(under 40% of it, 20.0, is the mark)" in strict.claims[0].text and not strict.claims[0].seen
    assert "(at most 1.05 is the mark)" in strict.claims[1].text and not strict.claims[1].seen


def test_a_folder_of_lessons_lists_good_files_and_one_line_per_broken_one(tmp_path, monkeypatch):
    (tmp_path / "mine.toml").write_text(GOOD)
    (tmp_path / "typo.toml").write_text(GOOD.replace("hidden_size", "hiden_size"))
    (tmp_path / "sine.toml").write_text(GOOD)  # a built-in's name
    found, errors = lessons.folder_lessons(tmp_path)
    assert list(found) == ["mine"]
    assert errors == ["sine.toml: a built-in lesson is called 'sine'; rename the file",
                      errors[1]] and errors[1].startswith("typo.toml, line 10: [settings] hiden_size is not a setting")
    monkeypatch.setenv(lessons.ENV, str(tmp_path))
    assert lessons.lesson("mine").title == "6 · Mine" and lessons.lesson("sine") is lessons.LESSONS["sine"]
    with pytest.raises(InputError, match="no lesson 'nope'; choose one of airline, .*, mine"):
        lessons.lesson("nope")


def test_the_readme_example_loads_and_its_table_lists_every_check():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Write a lesson"):]
    example = re.search(r"```toml\n(.*?)```", section, re.S).group(1)
    les = lessons.load_text(example, "sine_small.toml")
    assert (les.kind, les.preset, les.changes, les.focus) == ("forecast", "sine", {"hidden_size": 8}, {"t": 60})
    assert les.printed == ("unit", "mean_forget_after", "rmse")
    message = _error(example.replace("hidden_size", "hiden_size"), "sine_small.toml")
    assert message.startswith("sine_small.toml, line 13: [settings] hiden_size is not a setting")
    assert f"`{message}`" in section  # the error the README quotes is the one the loader gives
    for name, check in lessons.CHECKS.items():
        row = next(ln for ln in section.splitlines() if ln.startswith(f"| `{name}`"))
        assert all(f"{p} ({v.default:g})" in row for p, v in check.params.items()), row
        assert row.rstrip(" |").endswith(", ".join(check.values)), row


def test_presenter_controls_and_settings_are_the_pages_own():
    from lstmviz.app import forecast_controls, tasks
    assert set(CONTROLS["forecast"]) == set(forecast_controls.ARCH_CONTROLS + forecast_controls.DATA_CONTROLS
                                            + forecast_controls.TRAIN_CONTROLS)
    assert set(CONTROLS["task"]) == {r.key.rsplit(":", 1)[-1] for r in tasks.TABLE.rows.values() if r.field != "task"}
    from lstmviz.app.lessons import page_problem
    assert all(page_problem(les) is None for les in lessons.LESSONS.values())
    odd = lessons.load_text(GOOD.replace("epochs = 100", "lr = 0.005"), "odd.toml")
    assert page_problem(odd) == ("odd.toml, line 11: [settings] lr must be one the page offers: "
                                 "0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, not 0.005")


def test_uploading_a_lesson_in_the_sidebar_opens_it_and_a_broken_one_says_why():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.file_uploader(key="lesson_upload").set_value(
        ("typo.toml", GOOD.replace("hidden_size", "hiden_size").encode(), "application/toml")).run()
    assert not at.exception, at.exception
    assert any(e.value.replace("\\", "").startswith("typo.toml, line 10: [settings] hiden_size is not a setting")
               for e in at.error), \
        [e.value for e in at.error]
    mine = GOOD.replace("epochs = 100", "epochs = 10").replace("hidden_size = 16", "hidden_size = 4")
    at.file_uploader(key="lesson_upload").set_value(("mine.toml", mine.encode(), "application/toml")).run()
    assert not at.exception, at.exception
    assert at.session_state["lesson"] == "mine" and not at.error, [e.value for e in at.error]
    card = " ".join(m.value for m in at.markdown)
    assert "**Lesson 6 · Mine**" in card and "Look at the forecast. RMSE " in card
    rmse = re.search(r"RMSE (\d+\.\d), best baseline ([a-z ]+) at (\d+\.\d)\.", card)
    assert rmse, card  # the run's own numbers, as its claim prints them
    claim = re.search(r"The recursive forecast's RMSE, (\d+\.\d), is (not )?below", card)
    assert claim and claim.group(1) == rmse.group(1)
    assert at.session_state["airline:hidden"] == 4 and at.session_state["view"] == "Gate dynamics"
    assert "lesson" not in at.query_params  # an uploaded file cannot travel in a link


def test_a_link_opens_a_lesson_from_the_teachers_folder_with_the_csv_beside_it(tmp_path, monkeypatch):
    values = np.round(np.sin(np.arange(96) * 2 * np.pi / 12) * 10 + 50 + np.arange(96) * 0.2, 3)
    (tmp_path / "wave.csv").write_text("value\n" + "\n".join(map(str, values)) + "\n")
    lesson = GOOD.replace('series = "airline"', 'csv = "wave.csv"').replace("epochs = 100", "epochs = 10") \
        .replace("hidden_size = 16", "hidden_size = 4").replace('open = "gates"', 'open = "forecast"')
    (tmp_path / "wave.toml").write_text(lesson)
    monkeypatch.setenv(lessons.ENV, str(tmp_path))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.query_params["lesson"] = "wave"
    at.run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    assert at.session_state["lesson"] == "wave" and at.radio(key="source").value == "The lesson's CSV"
    card = " ".join(m.value for m in at.markdown)
    assert "**Lesson 6 · Mine**" in card and re.search(r"RMSE \d+\.\d, best baseline", card), card
    assert at.query_params["lesson"] in ("wave", ["wave"]) and at.query_params["src"] in ("lesson", ["lesson"])
    assert at.session_state["lesson:wave:hidden"] == 4


def test_an_old_link_with_a_runs_settings_keeps_them_and_names_its_lesson():
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for k, v in {"explore": "forecast", "src": "builtin", "series": "airline", "epochs": "20", "lesson": "airline"}.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception and at.session_state["lesson"] == "airline"
    assert at.session_state["airline:epochs"] == 20  # the link's, not the lesson's (nothing trains until Train)
    assert not any(m.value.startswith("- ") for m in at.markdown)  # no claims: nothing trained

"""The next step is always on screen, and nothing stale: AppTest on the real script."""
from tests.test_app import _new, _upload

MONTHLY = ("month,sales\n" + "".join(f"{2000 + y}-{m:02d}-01,{100 + y * 5 + 10 * (m % 12)}\n"
                                     for y in range(6) for m in range(1, 13))).encode()


def _texts(elements) -> list[str]:
    return [e.value for e in elements]


def _main_text(at) -> str:
    """Everything the main area says in words."""
    return " ".join(_texts(at.main.markdown) + _texts(at.main.info) + _texts(at.main.warning)
                    + _texts(at.main.caption) + _texts(at.main.error))


def _typed(at, text):
    at.radio(key="source").set_value("Type a sequence").run()
    at.text_area(key="typed").set_value(text).run()
    assert not at.exception, at.exception
    return at


def test_train_sits_in_the_main_area_and_in_the_sidebar_and_both_train():
    at = _new(epochs="20")
    assert [b.label for b in at.main.button if b.key == "train_main"] == ["Train model"]
    assert [b.label for b in at.sidebar.button if b.key == "train"] == ["Train model"]
    assert any("press **Train model**" in i.value for i in at.main.info)
    at.button(key="train_main").click().run()
    assert not at.exception, at.exception
    table = at.table[0].value
    assert table.loc["seasonal naive", "RMSE"] > 0
    # the lessons are at hand in the main area too, with their own keys
    assert {b.key for b in at.main.button if b.key.startswith("lesson_main_")} >= {"lesson_main_airline"}
    assert "lesson_airline" in {b.key for b in at.sidebar.button}


def test_a_disabled_train_button_says_why_in_the_main_area_and_the_page_never_says_press_train():
    at = _typed(_new(), "1 2 3 4 5 6 7 8 9 10")
    assert at.button(key="train").disabled and at.button(key="train_main").disabled
    reasons = [e.value for e in at.main.error]
    assert any("at least" in r and "needed" in r for r in reasons), reasons
    assert "press **train model**" not in _main_text(at).lower()


def test_with_no_data_the_main_area_says_where_to_get_it():
    at = _new()
    at.radio(key="source").set_value("Upload CSV").run()
    assert at.button(key="train_main").disabled
    assert any("sidebar" in i.value for i in at.main.info)
    assert "press **Train model**" not in _main_text(at)


def test_typed_data_below_zero_drops_the_log_transform_before_train():
    at = _typed(_new(), ", ".join(str(100 + 3 * k + (k % 12)) for k in range(48)))
    assert at.selectbox(key="typed:transform").value == "auto"  # the default: chosen on a validation split
    at.selectbox(key="typed:transform").set_value("log_diff").run()  # fine while every value is positive
    values = ", ".join(str(-20 + 3 * k + (k % 12)) for k in range(48))
    at.text_area(key="typed").set_value(values).run()
    assert at.selectbox(key="typed:transform").value == "auto"  # back to the data's default
    assert any("not 'log_diff'" in c.value for c in at.sidebar.caption), _texts(at.sidebar.caption)
    assert not at.button(key="train_main").disabled
    # log chosen by hand for this data: it stays, and Train says why it cannot train
    at.selectbox(key="typed:transform").set_value("log").run()
    assert at.selectbox(key="typed:transform").value == "log"
    assert at.button(key="train_main").disabled
    assert any("takes logs" in e.value and "-20" in e.value for e in at.main.error), _texts(at.main.error)


def test_a_failed_typed_run_is_put_away_when_a_csv_comes():
    # differences of +-1e308 overflow: the training fails (after Train) with a message
    at = _typed(_new(epochs="10"), ", ".join(["1e308", "-1e308"] * 30))
    at.selectbox(key="typed:transform").set_value("diff").run()
    at.button(key="train_main").click().run()
    assert any(e.value.startswith("Training failed") for e in at.main.error), _texts(at.main.error)
    _upload(at, "sales.csv", MONTHLY)
    assert not any("Training failed" in e.value for e in at.error)
    assert any("other data" in c.value for c in at.main.caption)
    assert any("press **Train model**" in i.value for i in at.main.info)


def test_an_invalid_csv_never_shows_the_previous_files_forecast():
    at = _upload(_new(epochs="20"), "sales.csv", MONTHLY)
    at.button(key="train_main").click().run()
    assert at.table, "the first file trained"
    at.file_uploader(key="upload").set_value(("junk.csv", b"\x00\x01 junk", "text/csv")).run()
    assert not at.exception
    assert any("not a text file" in e.value for e in at.error)
    assert not at.table and not at.button_group  # no metrics, no result views
    assert not any("Settings changed" in w.value for w in at.warning)
    # back to the file that trained: its results come back (nothing lost)
    _upload(at, "sales.csv", MONTHLY)
    assert at.table and at.table[0].value.loc["seasonal naive", "RMSE"] >= 0


def test_switching_the_task_puts_the_old_tasks_results_away():
    at = _new(explore="tasks", task="adding", tlength="10", n="200", epochs="3", hidden="4")
    at.button(key="task_train_main").click().run()
    assert not at.exception, at.exception
    assert at.table and at.table[0].value.columns[0] == "mse"
    at.selectbox(key="task").set_value("parity").run()
    assert not at.exception
    assert not at.table and not at.button_group
    assert not any("Settings changed" in w.value for w in at.warning)
    assert any("other data" in c.value for c in at.main.caption)
    assert any(m.value.startswith("**Parity of a bit string.**") for m in at.main.markdown)
    at.selectbox(key="task").set_value("adding").run()
    assert at.table and at.table[0].value.columns[0] == "mse"


def test_switching_the_text_puts_the_old_texts_results_away():
    at = _new(explore="text", epochs="1", hidden="8")
    at.button(key="text_train_main").click().run()
    assert not at.exception, at.exception
    assert any("bits per character" in m.value for m in at.main.markdown)
    at.radio(key="text_source").set_value("brackets").run()
    assert not any("bits per character" in m.value for m in at.main.markdown)
    assert any("other data" in c.value for c in at.main.caption)


def test_with_uploaded_weights_the_main_area_says_where_to_put_them():
    at = _new()
    at.radio(key="model_source").set_value("Upload weights").run()
    assert not any(b.label.startswith("Train") for b in at.button)  # nothing to train here
    assert any("Upload the weights in the sidebar" in i.value for i in at.main.info)

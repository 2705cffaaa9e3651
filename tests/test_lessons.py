"""Guided lessons: each one's signature is seen on its default seed, in code and on the page."""
import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lstmviz import lessons
from lstmviz.errors import InputError
from tests.test_app import APP, TIMEOUT


@pytest.mark.parametrize("lesson_id", list(lessons.LESSONS))
def test_every_lesson_signature_is_seen_on_its_default_seed(lesson_id):
    seen = lessons.run(lesson_id)
    assert seen.seen, seen.detail


def test_every_lesson_explains_itself_in_three_to_five_sentences():
    assert len(lessons.LESSONS) >= 5
    for les in lessons.LESSONS.values():
        sentences = [s for s in les.text.replace("e.g.", "eg").split(". ") if s.strip()]
        assert 3 <= len(sentences) <= 5, (les.id, len(sentences))
        assert les.signature


def test_periodicity_tells_a_repeating_signal_from_noise():
    t = np.arange(500)[:, None]
    wave = np.sin(2 * np.pi * t / 50) * np.ones((1, 3))
    assert lessons.periodicity(wave, 50) == pytest.approx(1.0, abs=1e-9)
    noise = np.random.default_rng(0).normal(size=(500, 3))
    assert abs(lessons.periodicity(noise, 50)) < 0.2
    assert lessons.periodicity(np.ones((200, 2)), 50) == 1.0  # constant counts as periodic; check_ asks for swing


def test_unknown_lesson_is_a_clear_error():
    with pytest.raises(InputError, match="no lesson 'nope'"):
        lessons.lesson("nope")


@pytest.mark.parametrize("lesson_id", list(lessons.LESSONS))
def test_one_click_on_the_page_trains_and_marks_the_signature_seen(lesson_id):
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.run()
    at.button(key=f"lesson_{lesson_id}").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Signature seen") for s in at.success), [w.value for w in at.warning]
    assert at.query_params["lesson"] in (lesson_id, [lesson_id])

"""The scrubber's playback: steps follow the clock at the chosen speed; step buttons; the page's controls."""
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lstmviz.app.scrubber import MAX_GAP, MIN_FRAME, SPEEDS, advance, frame_seconds


def play(speed: float, frames: list[float], T: int = 1000) -> int:
    """Where play stands after frames that each took the given seconds."""
    t, carry = 0, 0.0
    for seconds in frames:
        t, carry = advance(t, T, speed, seconds, carry)
    return t


def test_speeds_cover_half_a_step_to_ten_steps_a_second():
    assert SPEEDS[0] == 0.5 and SPEEDS[-1] == 10 and SPEEDS == sorted(SPEEDS)
    assert frame_seconds(0.5) == 2.0 and frame_seconds(2) == 0.5 and frame_seconds(10) == MIN_FRAME


@pytest.mark.parametrize("speed", SPEEDS)
def test_play_keeps_its_speed_whether_frames_are_quick_or_slow(speed):
    """A 400-step sine at 10 steps/s takes 40 s, even when the server needs 0.8 s a frame."""
    on_time = [frame_seconds(speed)] * round(12 / frame_seconds(speed))  # 12 s of frames on time
    slow = [0.8] * 15  # 12 s of frames that each took 0.8 s
    assert play(speed, on_time) == play(speed, slow) == round(12 * speed)


def test_half_a_step_a_second_moves_every_other_second():
    t, carry = advance(4, 10, 0.5, 1.0)
    assert (t, carry) == (4, 0.5)
    assert advance(t, 10, 0.5, 1.0, carry) == (5, 0.0)


def test_play_wraps_at_the_end_and_does_not_leap_after_a_stall():
    assert advance(9, 10, 10, 0.35) == (2, pytest.approx(0.5))
    assert advance(0, 1000, 10, 600.0) == (int(MAX_GAP * 10), 0.0)  # a tab left hidden for ten minutes
    assert advance(7, 10, 5, -1.0) == (7, 0.0)  # a clock that went backwards: stay


APP = str(Path(__file__).resolve().parent.parent / "app.py")


def test_step_buttons_move_one_step_and_pause_and_speed_is_offered():
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    next(s for s in at.slider if s.label == "Epochs").set_value(30).run()
    next(b for b in at.button if b.label.startswith("Train")).click().run()
    at.button_group(key="view").set_value("Gate dynamics").run()
    assert not at.exception, at.exception
    at.slider(key="gv_t").set_value(5).run()
    at.button(key="gv_next").click().run()
    assert at.slider(key="gv_t").value == 6
    at.button(key="gv_back").click().run()
    at.button(key="gv_back").click().run()
    assert at.slider(key="gv_t").value == 4
    T = at.slider(key="gv_t").max + 1
    at.slider(key="gv_t").set_value(0).run()
    at.button(key="gv_back").click().run()
    assert at.slider(key="gv_t").value == T - 1  # wraps, like Play
    assert at.button(key="gv_playbtn").label == "Play"
    at.button(key="gv_playbtn").click().run()
    assert at.session_state["gv_play"] is True and at.button(key="gv_playbtn").label == "Pause"
    at.button(key="gv_playbtn").click().run()  # Pause stays paused (the rerun it causes presses no Play)
    assert at.session_state["gv_play"] is False and at.button(key="gv_playbtn").label == "Play"
    at.button(key="gv_playbtn").click().run()
    assert at.session_state["gv_play"] is True
    at.button(key="gv_next").click().run()  # a step pauses
    assert at.session_state["gv_play"] is False and at.slider(key="gv_t").value == 0
    speed = at.select_slider(key="gv_speed")
    assert list(speed.options) == [f"{v:g}" for v in SPEEDS] and speed.value == 2
    speed.set_value(10).run()
    assert at.select_slider(key="gv_speed").value == 10 and not at.exception
    assert any("t = 0" in m.value for m in at.markdown)

"""The Gallery page opens a pretrained character model in the text page's views with nothing trained: its
held-out bits per character are the stored model's, Compare cells (which trains) is not offered, and the
Text view ranks units by the Python features for the code model."""
from lstmviz import gallery
from lstmviz.app.state import registry

from tests.test_app import _new, _params


def test_a_link_opens_the_code_model_in_the_text_views_without_training():
    started = registry().started
    at = _new(explore="gallery", entry="code", view="text")
    assert not at.error, [e.value for e in at.error]
    stored = gallery.read("code")["metrics"]  # measured when it was trained, on the same held-out excerpt
    excerpt = gallery.read("code")["data"]
    # the score is said to be the shown excerpt's; all the held-out text's is beside it, not passed off as it
    head = next(m.value for m in at.markdown if m.value.startswith("Held-out"))
    assert head.startswith(f"Held-out (the {excerpt['excerpt_chars']:,} characters shown): ")
    assert f"**{stored['excerpt_bpc']:.3f} bits per character**" in head
    assert f"**{stored['excerpt_unigram_bpc']:.3f}**" in head and "the model beats it" in head
    assert any(f"On all {excerpt['held_out_chars']:,} it scores {stored['bpc']:.3f} bits per "
               f"character (unigram {stored['unigram_bpc']:.3f})." in c.value for c in at.caption)
    assert at.button_group(key="text_view").options == ["Text", "Generate", "Training"]
    ranked = [b.label for b in at.button if b.label.startswith("unit ")]
    assert ranked and any(f in " ".join(ranked) for f in ("in string", "bracket depth", "indent", "line position"))
    at.button_group(key="text_view").set_value("Generate").run()
    assert not at.exception and not at.error
    assert registry().started == started  # nothing was trained
    assert _params(at)["entry"] == "code" and _params(at)["view"] == "generate"
    # the prose entry shows all its held-out text: one score, said once
    at.selectbox(key="gallery_entry").set_value("prose").run()
    at.button_group(key="text_view").set_value("Text").run()
    prose = gallery.read("prose")
    assert prose["data"]["excerpt_chars"] == prose["data"]["held_out_chars"]
    head = next(m.value for m in at.markdown if m.value.startswith("Held-out"))
    assert head.startswith(f"Held-out: **{prose['metrics']['excerpt_bpc']:.3f} bits per character**")
    assert not any("On all" in c.value for c in at.caption)
    assert any(f"shown here: its {prose['data']['held_out_chars']:,} held-out characters, which it never trained on."
               in c.value for c in at.caption)

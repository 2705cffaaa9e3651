"""The built-in texts: fixed characters, balanced quotes and brackets."""
import hashlib

import pytest

from lstmviz.errors import InputError
from lstmviz.text.builtin import BUILTIN_TEXTS, builtin_text
from lstmviz.text.units import features


def test_builtin_texts_are_fixed_and_balanced():
    depth = {}
    for name in BUILTIN_TEXTS:
        text = builtin_text(name)
        f = features(text)
        assert f["bracket_depth"][-1] == 0 and f["in_quotes"][-1] == 0
        assert text.count("(") == text.count(")") and text.count('"') % 2 == 0
        depth[name] = f["bracket_depth"].max()
    assert depth == {"stories": 1, "brackets": 6}
    stories = builtin_text("stories")
    assert 100_000 <= len(stories) < 101_000 and 25_000 < len(builtin_text("brackets")) < 31_000
    assert features(stories)["in_quotes"].mean() > 0.15 and max(map(len, stories.split("\n"))) <= 72
    assert hashlib.sha256(stories.encode()).hexdigest()[:12] == STORIES_SHA
    with pytest.raises(InputError, match="choose one of stories, brackets"):
        builtin_text("war_and_peace")


STORIES_SHA = "1889640cf9ca"  # the generator pinned: change it only on purpose

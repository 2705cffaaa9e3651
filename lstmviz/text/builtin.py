"""The built-in texts: `builtin_text(name)` gives back one, the same characters on every machine.

No English prose with a licence that allows redistribution was on the machine this was written on, so
the texts are generated here, deterministically, by the code below (part of lstmviz, same licence; no
third-party text is shipped):
    "stories"   ~100 KB of English-like stories: sentences from a fixed word list, "quoted speech"
                (often several sentences), (asides), numbers and years, chapter headings in
                capitals, paragraphs wrapped at 72 columns. Quotes and brackets are balanced, and
                they matter for prediction: narration is in the past tense, speech in the present,
                asides in -ing ("saw" / "sees" / "seeing"), so a model must know where it is.
                With bench/bench_text.py's settings (128 units, 40 epochs, 20-30 s, ~1.15 bits per
                character), seeds 0-2: a GRU grows an h unit with |r| 0.87 / 0.86 / 0.50 against
                in_quotes and 0.71 / 0.54 / 0.74 against in_brackets; an LSTM reaches the same bits
                per character, but its best units stay at |r| <= 0.27 (quotes) and 0.32-0.43
                (brackets), in c.
    "brackets"  ~30 KB of nested Lisp-like expressions, up to 6 deep: a bracket-depth counter.
"""
from __future__ import annotations

import functools
import random
import textwrap

from ..errors import InputError

__all__ = ["BUILTIN_TEXTS", "builtin_text"]


_W = {k: v.split() for k, v in dict(
    name="Alice Thomas Mary Edward Clara Henry Margaret Arthur Emma Robert Lucy Walter Agnes George Martha "
         "Samuel Helen Oliver",
    noun="house garden river road window letter door table horse ship village forest hill lamp bridge field "
         "tower town market child stranger dog bird book candle chair kitchen station train mountain valley lake "
         "boat coat hat key box bell clock wall gate path stone tree flower storm cloud fire shadow picture "
         "basket farmer sailor doctor captain teacher cottage church mill fence orchard harbour",
    adj="old small quiet bright dark long little cold warm strange green grey narrow heavy empty broken "
        "golden careful tired young gentle wooden distant silent curious wide deep",
    prep="in on under near behind across through over beside toward past along",
    adv="slowly quietly suddenly carefully again softly gladly early late",
    time="morning evening night afternoon winter summer spring autumn",
    unit="miles days years shillings minutes hours pages steps",
    said="said replied answered whispered added",
).items()}
# verbs as past / base / third person / -ing; the tense says where we are: narration is in the past,
# quoted speech in the present, (asides) in -ing, so a model predicting a verb must know which it is in
_TVERB = [v.split("/") for v in (
    "saw/see/sees/seeing found/find/finds/finding opened/open/opens/opening took/take/takes/taking "
    "watched/watch/watches/watching carried/carry/carries/carrying followed/follow/follows/following "
    "heard/hear/hears/hearing closed/close/closes/closing painted/paint/paints/painting "
    "bought/buy/buys/buying sold/sell/sells/selling lost/lose/loses/losing passed/pass/passes/passing "
    "visited/visit/visits/visiting crossed/cross/crosses/crossing kept/keep/keeps/keeping "
    "held/hold/holds/holding").split()]
_IVERB = [v.split("/") for v in (
    "walked/walk/walks/walking waited/wait/waits/waiting laughed/laugh/laughs/laughing "
    "smiled/smile/smiles/smiling slept/sleep/sleeps/sleeping hurried/hurry/hurries/hurrying "
    "wandered/wander/wanders/wandering stopped/stop/stops/stopping rested/rest/rests/resting "
    "worked/work/works/working stayed/stay/stays/staying").split()]


def _np(r: random.Random) -> str:
    """A noun phrase."""
    k = r.random()
    if k < 0.2:
        return r.choice(_W["name"])
    if k < 0.6:
        return "the " + (r.choice(_W["adj"]) + " " if r.random() < 0.5 else "") + r.choice(_W["noun"])
    if k < 0.8:
        word = (r.choice(_W["adj"]) + " " if r.random() < 0.6 else "") + r.choice(_W["noun"])
        return ("an " if word[0] in "aeiou" else "a ") + word
    return r.choice(["her ", "his ", "their "]) + r.choice(_W["noun"])


def _clause(r: random.Random, subject: str, form: int) -> str:
    """subject + verb in form 0 past, 1 base, 2 third person, 3 -ing + object or place or manner."""
    k = r.random()
    if k < 0.5:
        return f"{subject} {r.choice(_TVERB)[form]} {_np(r)}"
    verb = r.choice(_IVERB)[form]
    return f"{subject} {verb} {r.choice(_W['prep'])} {_np(r)}" if k < 0.8 else f"{subject} {verb} {r.choice(_W['adv'])}"


def _number(r: random.Random) -> str:
    return r.choice([f"in {r.randint(1780, 1899)}", f"{r.randint(2, 99)} {r.choice(_W['unit'])} later",
                     f"at {r.randint(1, 12)} o'clock", f"after {r.randint(2, 40)} {r.choice(_W['unit'])}"])


def _aside(r: random.Random) -> str:
    if r.random() < 0.6:
        return "(" + _clause(r, _np(r), 3) + ")"
    return "(" + r.choice([
        f"it was {r.randint(1780, 1899)}", f"which was nearly {r.randint(2, 99)} {r.choice(_W['unit'])} away",
        f"or so {r.choice(_W['name'])} said", f"see page {r.randint(2, 400)}", "though nobody knew why"]) + ")"


def _narrative(r: random.Random) -> str:
    s = _clause(r, _np(r), 0)
    if r.random() < 0.3:
        s += r.choice([", and ", ", but ", "; then "]) + _clause(r, r.choice(["she", "he", "they", _np(r)]), 0)
    if r.random() < 0.35:
        s += " " + _aside(r)
    if r.random() < 0.25:
        s += " " + _number(r)
    return s[0].upper() + s[1:] + "."


def _spoken(r: random.Random) -> str:
    """One spoken sentence, in the present tense, with its final mark."""
    k = r.random()
    if k < 0.2:
        return f"Where is {_np(r)}?"
    if k < 0.35:
        return f"We must go to {_np(r)} before {r.choice(_W['time'])}!"
    if k < 0.6:
        s = _clause(r, r.choice(["I", "you", "we"]), 1)
    else:
        s = _clause(r, _np(r), 2)
    return s[0].upper() + s[1:] + (f" {_number(r)}" if r.random() < 0.2 else "") + "."


def _dialogue(r: random.Random) -> str:
    who = r.choice(_W["name"] + ["the doctor", "the captain", "the farmer", "the stranger"])
    said, first = r.choice(_W["said"]), _spoken(r)
    more = " ".join(_spoken(r) for _ in range(r.randint(0, 2)))
    if r.random() < 0.5:  # "First," said X. "More." / "First?" asked X.
        tag = f"\"{first[:-1] + ',' if first.endswith('.') else first}\" {'asked' if first[-1] == '?' else said} {who}"
        return tag + (f". \"{more}\"" if more else ".")
    return f"{who[0].upper() + who[1:]} {said}, \"{first}{' ' + more if more else ''}\""


_ROMAN = [(10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]


def _roman(n: int) -> str:
    out = ""
    for value, sym in _ROMAN:
        while n >= value:
            out, n = out + sym, n - value
    return out


def _stories(length: int, seed: int) -> str:
    r, parts, size, chapter = random.Random(seed), [], 0, 0
    while size < length:
        if chapter == 0 or r.random() < 0.04:
            chapter += 1
            part = f"CHAPTER {_roman(chapter)}.\nTHE {r.choice(_W['adj']).upper()} {r.choice(_W['noun']).upper()}"
        else:
            sentences = [_dialogue(r) if r.random() < 0.4 else _narrative(r) for _ in range(r.randint(1, 5))]
            part = textwrap.fill(" ".join(sentences), 72, break_long_words=False, break_on_hyphens=False)
        parts.append(part)
        size += len(part) + 2
    return "\n\n".join(parts) + "\n"


def _sexpr(r: random.Random, depth: int) -> str:
    if depth >= 6 or r.random() < 0.2 + 0.15 * depth:
        return r.choice(_W["noun"]) if r.random() < 0.7 else str(r.randint(0, 99))
    head = r.choice(["if", "let", "list", "add", "walk", "find", "and", "or"])
    return "(" + " ".join([head] + [_sexpr(r, depth + 1) for _ in range(r.randint(1, 3))]) + ")"


def _brackets(length: int, seed: int) -> str:
    r, lines, size = random.Random(seed), [], 0
    while size < length:
        line = f"(define ({r.choice(_TVERB)[1]} {r.choice(_W['noun'])}) {_sexpr(r, 1)})"
        lines.append(line)
        size += len(line) + 1
    return "\n".join(lines) + "\n"


BUILTIN_TEXTS = {
    "stories": "~100 KB of generated English-like stories: quoted speech, (asides), numbers, chapters",
    "brackets": "~30 KB of generated nested (Lisp-like (expressions)), up to 6 deep",
}


@functools.lru_cache(maxsize=4)
def builtin_text(name: str) -> str:
    """A built-in text by name (see BUILTIN_TEXTS); the same characters on every machine."""
    if name == "stories":
        return _stories(100_000, seed=1)
    if name == "brackets":
        return _brackets(30_000, seed=2)
    raise InputError(f"no built-in text {name!r}; choose one of {', '.join(BUILTIN_TEXTS)}")

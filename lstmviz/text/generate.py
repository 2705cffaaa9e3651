"""Sampling: `generate` gives back a prompt continued by the model, drawn with a temperature, and the
trace of the model reading it (T = prompt + sample, values (T, H)).
"""
from __future__ import annotations

import math

import torch
from torch import nn

from ..errors import InputError
from ..record import Trace
from .corpus import normalise
from .model import MAX_STEPS, TextFit, record_text

__all__ = ["generate"]


def generate(fit: TextFit, prompt: str, length: int = 200, temperature: float = 1.0,
             seed: int = 0) -> tuple[str, Trace]:
    """Sample `length` characters after `prompt`; returns (prompt + sample, trace of the model reading it).

    Each character is drawn from softmax(logits / temperature) with a private generator, so a seed
    gives the same text every time. Low temperatures pick the likeliest characters, high ones
    flatten the distribution. The trace (T = len(prompt) + length) lets the gates be shown over it.
    """
    try:
        ok = math.isfinite(float(temperature)) and float(temperature) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"temperature must be a number above 0 (1 samples the model as it is), not {temperature}")
    temperature = float(temperature)
    prompt = normalise(prompt)
    if not prompt:
        raise InputError("type a prompt of at least one character to start from")
    if not 1 <= length or len(prompt) + length > MAX_STEPS:
        raise InputError(f"length must be at least 1, and prompt plus length at most {MAX_STEPS:,} characters")
    ids = fit.vocab.encode(prompt)
    g = torch.Generator().manual_seed(seed)
    model, V = fit.model, len(fit.vocab)
    out_ids = []
    model.eval()
    with torch.no_grad():
        out, state = model.recurrent(nn.functional.one_hot(torch.from_numpy(ids)[None], V).float())
        for step in range(length):
            logits = model.head(out[0, -1]).double()
            logits = (logits - logits.max()) / temperature  # the likeliest at 0: no overflow as temperature -> 0
            nxt = torch.multinomial(torch.softmax(logits, -1), 1, generator=g)
            out_ids.append(int(nxt))
            if step + 1 < length:
                out, state = model.recurrent(nn.functional.one_hot(nxt[None], V).float(), state)
    text = prompt + fit.vocab.decode(out_ids)
    return text, record_text(fit, text)

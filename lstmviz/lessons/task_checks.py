"""Checks of the sequence-task lessons: a cell that remembers the first value (memory), and a cell
that counts a^n b^n (counting). Each returns a Seen whose claims print the measured numbers, and
where the views open (unit, step, example, the finder's row)."""
from __future__ import annotations


import numpy as np

from ..tasks import (SAMPLES, TaskFit, TaskReport, always_share, commonest_class, evaluate_task, find_units,
                     step_correlation)
from .catalog import AGAIN, Claim, Seen

__all__ = ["SAMPLES", "check_memory", "check_counting"]



def _remember_hint(config) -> str:
    if config.model.cell == "lstm" and config.model.forget_bias < 1 and config.length >= 20:
        left = 0.5 ** (config.length - 1)
        return (f"From a forget-gate bias of {config.model.forget_bias:+g} the gates start near 0.5, so {left:.0e} of the "
                f"value is left after {config.length - 1} steps: too little for training to see that it mattered. "
                "Set Forget-gate bias at start to +2.")
    return AGAIN


def _share(x: float) -> str:
    return "a tenth of it" if x == 0.1 else f"{x:g} of it"


def check_memory(fit: TaskFit, report: TaskReport | None = None, mse_share: float = 0.1, hold: float = 0.9,
                 keep: float = 0.9) -> Seen:
    """Lesson 3: the model remembers (held-out MSE under `mse_share` of the mean's); some cell unit
    follows the value at every step from t = 0 (|r| at least `hold`, one sign, r per step over held-out
    sequences); that unit's forget gate averages `keep` or more.

    Of the units that meet both marks, the one whose cell is largest at t = 0 relative to later
    (written at once, then kept) is named; else the one nearest the marks. The finder's pooled r
    ranks units by how linearly their cell tracks the value over all steps at once, which a cell
    that grows as it re-adds the value at every step fails, though each step's reading tells it."""
    report = evaluate_task(fit) if report is None else report
    mse, base = report.value, report.baseline
    hint = _remember_hint(fit.config)
    claims = [Claim(f"It remembers: held-out MSE {mse:.4f}, against {base:.4f} for always predicting the mean "
                    f"(under {_share(mse_share)} is the mark).", mse < mse_share * base, hint)]
    values = {"mse": mse, "baseline_mse": base}
    arrays = fit.finder_trace(SAMPLES).block(layer=0).arrays  # quantity -> (T, n, H)
    if "c" not in arrays or "f" not in arrays:
        claims.append(Claim(f"A {fit.config.model.cell.upper()} has no cell state and forget gate to hold the value in.",
                            False, "Set Cell to LSTM."))
        return Seen(tuple(claims), values=values)
    c, f = arrays["c"], arrays["f"]  # (T, n, H)
    value = fit.test.known["remembered value"][:SAMPLES]
    r = step_correlation(c, value)  # (T, H)
    sign = np.sign(r[-1])
    held = (sign * r).min(0)  # the weakest step, counting a flipped sign as a miss
    kept = f[1:].mean(axis=(0, 1))  # (H,)
    score = np.minimum(held - hold, kept - keep)  # >= 0: both marks met
    size = np.abs(c).mean(1)  # (T, H)
    flat = size[0] / np.maximum(size.max(0), 1e-12)  # 1: written at t = 0 at full size, then only kept
    # of the units that meet both marks, the one whose line looks most like "write once, then keep"
    u = int(np.argmax(np.where(score >= 0, 2 + flat, score)))
    T = c.shape[0]
    weakest = int(np.argmin(sign[u] * r[:, u]))
    row = next(v for v in find_units(fit.model, fit.test, quantities=("c",), top=c.shape[2], max_samples=SAMPLES)
               if v["unit"] == u and v["layer"] == 0)  # its row in the unit finder's table
    size0, size1 = float(size[0, u]), float(size[-1, u])
    grows = "grows" if size1 > 1.2 * size0 else "shrinks" if size1 < size0 / 1.2 else "stays about the same"
    claims.append(Claim(
        f"Unit {u}'s cell carries the value from t = 0: r = {r[0, u]:+.2f} at t = 0, and at every step to "
        f"t = {T - 1} at least {held[u]:.2f} in size with one sign (the weakest at t = {weakest}; {hold:g} is the mark). "
        f"Its size {grows}: mean |c| {size0:.2f} at t = 0, {size1:.2f} at t = {T - 1} (the finder's table, which "
        f"pools every step into one r, gives it {row['correlation']:+.2f}).",
        bool(held[u] >= hold), hint))
    claims.append(Claim(
        f"Its forget gate keeps what the cell holds: mean {kept[u]:.2f} over t = 1 to {T - 1} ({keep:g} is the mark), "
        f"so {kept[u] ** (T - 1):.0%} of what it wrote at t = 0 would survive to the end on the forget gate alone.",
        bool(kept[u] >= keep), hint))
    values.update(unit=u, r0=float(r[0, u]), hold=float(held[u]), keep=float(kept[u]),
                  survive=float(kept[u] ** (T - 1)))
    example = int(np.argmax(np.abs(value[:, 0])))  # the largest value to remember: the clearest line
    return Seen(tuple(claims), {"unit": u, "t": 0, "example": example, "row": row}, values)


def check_counting(fit: TaskFit, report: TaskReport, accuracy: float = 0.99, r_at_least: float = 0.9,
                   longer_margin: float = 0.1) -> Seen:
    """Lesson 4: held-out accuracy at least `accuracy`; a cell unit tracking the running count with |r| at
    least `r_at_least` (its direction in words from the sign of r); and the accuracy on longer strings, said
    plainly: within `longer_margin` of always answering the commonest class, this run does not generalise
    (seen); above it, it counts on, with its worst n (seen when every longer n scores 95% or more)."""
    acc, base = report.value, report.baseline
    # the baseline's class by name: the commonest in training can be the rarer one held out (48.3%)
    always = f"always answering '{fit.train.classes[commonest_class(fit.train)]}', the commonest class in training"
    claims = [Claim(f"Held-out accuracy {acc:.1%}, against {base:.1%} for {always} "
                    f"({100 * accuracy:g}% is the mark).", acc >= accuracy, AGAIN)]
    values = {"accuracy": acc, "baseline_accuracy": base}
    units = [u for u in find_units(fit.model, fit.test, quantities=("c",), top=3) if u["known"] == "running count"]
    if not units:
        claims.append(Claim(f"A {fit.config.model.cell.upper()} has no cell state to count in.", False, "Set Cell to LSTM."))
        return Seen(tuple(claims), values=values)
    u = units[0]
    r = u["correlation"]
    way = ("goes up with every a and down with every b" if r > 0 else "goes down with every a and up with every b")
    claims.append(Claim(f"Unit {u['unit']}'s cell tracks the running count: r = {r:+.3f}, so it {way} "
                        f"(|r| of {r_at_least:g} is the mark).", abs(r) >= r_at_least, AGAIN))
    values.update(unit=u["unit"], r=r)
    longer = report.longer
    if longer is not None:
        la, (k0, k1), (t0, t1) = longer.accuracy, longer.k, longer.trained_k
        lbase = always_share(longer, commonest_class(fit.train))
        rel = "below" if la < lbase else "near" if la < lbase + 0.1 else "above"
        worst = min(longer.by_k, key=longer.by_k.get)
        # "its worst n, 11, scores 100.0%" reads as a flaw when every n scores the same
        low = (f"every n scores {longer.by_k[worst]:.1%}" if len(set(longer.by_k.values())) == 1 else
               f"its worst n, {worst}, scores {longer.by_k[worst]:.1%}")
        if la < lbase + longer_margin:
            claims.append(Claim(
                f"It learned the lengths it saw, not to count past them: on longer strings than any it trained on "
                f"(n = {k0} to {k1}; it trained on n = {t0} to {t1}) it scores {la:.1%}, {rel} the {lbase:.1%} of "
                f"{always} (at most {100 * longer_margin:g} points above it is the mark). "
                "This run does not generalise; the gallery's anbn model, trained longer, is there to compare.", True))
        else:  # the sentence follows the run: a model that counts on is not told it does not
            claims.append(Claim(
                f"It counts past the lengths it saw: on longer strings than any it trained on (n = {k0} to {k1}; it "
                f"trained on n = {t0} to {t1}) it scores {la:.1%}, against {lbase:.1%} for {always}; {low} "
                "(95% on every n is the mark).",
                longer.by_k[worst] >= 0.95, "It carries the count only part of the way: see which n fail in the "
                                            "Results view."))
        values.update(longer_accuracy=la, longer_baseline=lbase, longer_worst_n=worst,
                      longer_worst_accuracy=longer.by_k[worst])
    test = fit.test
    accepted = np.flatnonzero(test.y[:SAMPLES] == 1)
    a_count = test.X[:SAMPLES, :, 1].sum(1)
    example = int(accepted[np.argmax(a_count[accepted])]) if len(accepted) else 0  # the longest climb and fall
    peak = int(np.argmax(test.known["running count"][example]))  # the last a: the count turns here
    return Seen(tuple(claims), {"unit": u["unit"], "t": peak, "example": example, "row": u}, values)

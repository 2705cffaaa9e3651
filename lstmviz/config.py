"""The one config family: ModelConfig and TrainConfig, nested in each workload's config.

Every config is a frozen dataclass (hashable: a cache key, a link and a JSON export for free) that
mixes in `Config`. A field's range lives in its own declaration (`setting(default, lo=, hi=)` or
`choices=`), so the check, a bundle's type check and a page's control all read the same bounds:

    >>> ModelConfig(hidden_size=0).check()
    Traceback (most recent call last):
    InputError: hidden_size must be 1 to 1024, not 0
    >>> TaskConfig().replace(hidden_size=8, epochs=5)     # a nested field by its own name
    >>> TaskConfig.from_dict({"hidden_size": 8})           # old flat links and bundles still read
"""
from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from dataclasses import dataclass, field

from .errors import InputError

__all__ = ["Config", "ModelConfig", "TrainConfig", "setting", "CELLS"]

CELLS = ("lstm", "gru", "rnn")


def setting(default, *, lo=None, hi=None, choices=None, open_hi: bool = False, label: str | None = None):
    """A config field with its range: lo..hi (inclusive; open_hi: hi itself is not allowed) or one of `choices`,
    and the words an error uses for it (`label`; else the field's name)."""
    return field(default=default, metadata={"lo": lo, "hi": hi, "choices": choices, "open_hi": open_hi, "label": label})


def _kinds(annotation) -> tuple[type, bool]:
    """(int | float | str | bool | a Config class, whether None is allowed) for a field's annotation."""
    if isinstance(annotation, type):
        return annotation, False
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        (kind,) = [a for a in args if a is not type(None)]
        return kind, True
    raise TypeError(f"unsupported config annotation {annotation!r}")


def _num(x) -> str:
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


@functools.lru_cache(maxsize=None)
def _fields_of(cls: type) -> dict[str, tuple[dataclasses.Field, type, bool]]:
    """A config class's fields with their kinds: resolving type hints is slow, and a page run asks ~50 times."""
    hints = typing.get_type_hints(cls)
    return {f.name: (f, *_kinds(hints[f.name])) for f in dataclasses.fields(cls)}


class Config:
    """Mixin for a frozen dataclass of settings. Nested Config fields are reached by their own names."""

    @classmethod
    def _fields(cls) -> dict[str, tuple[dataclasses.Field, type, bool]]:
        return _fields_of(cls)

    @classmethod
    def _nested(cls) -> dict[str, type]:
        return {name: kind for name, (_, kind, _) in cls._fields().items()
                if isinstance(kind, type) and issubclass(kind, Config)}

    @classmethod
    def owner(cls, name: str) -> tuple[str, ...]:
        """The path to the field `name` (("model", "hidden_size") for a nested one); InputError if none."""
        if name in cls._fields() and name not in cls._nested():
            return (name,)
        for part, kind in cls._nested().items():
            try:
                return (part, *kind.owner(name))
            except InputError:
                continue
        raise InputError(f"unknown setting {name!r}")

    @classmethod
    def bounds(cls, name: str) -> dict:
        """The declared range of field `name` (nested too): {"lo", "hi", "choices", "open_hi", "kind"}."""
        *parts, leaf = cls.owner(name)
        owner = cls
        for part in parts:
            owner = owner._nested()[part]
        f, kind, _ = owner._fields()[leaf]
        return {**f.metadata, "kind": kind}

    def replace(self, **changes):
        """A copy with changes; nested fields may be named directly (epochs=, hidden_size=) or given as
        a whole config or dict (train=TrainConfig(...)). An unknown name is an InputError."""
        own = {f.name for f in dataclasses.fields(self)}
        nested = type(self)._nested()
        direct, deep = {}, {}
        for name, value in changes.items():
            if name in nested and isinstance(value, dict):
                deep.setdefault(name, {}).update(value)
            elif name in own:
                direct[name] = value
            else:
                path = type(self).owner(name)
                deep.setdefault(path[0], {})[name] = value
        for part, sub in deep.items():
            direct[part] = direct.get(part, getattr(self, part)).replace(**sub)
        return dataclasses.replace(self, **direct)

    def to_dict(self) -> dict:
        """Nested plain values (JSON-ready)."""
        return dataclasses.asdict(self)

    def flat(self) -> dict:
        """Every leaf field by its own name (nested ones too): what links and tables show."""
        out = {}
        for name in type(self)._fields():
            value = getattr(self, name)
            out.update(value.flat() if isinstance(value, Config) else {name: value})
        return out

    @classmethod
    def from_dict(cls, d: dict):
        """A config from to_dict()'s output, or an old flat one; values are checked against the fields'
        types (a JSON 3.0 for an int field is taken, "3" or 2.5 is an InputError)."""
        if not isinstance(d, dict):
            raise InputError(f"a config must be a JSON object, not {type(d).__name__}")
        values = {}
        for name, value in d.items():
            if name in cls._nested():
                if value is None:
                    continue
                if not isinstance(value, dict):
                    raise InputError(f"{name} must be an object of settings")
                for k, v in value.items():
                    cls.owner(k)
                    values[k] = cls._coerce(k, v)
            else:
                values[name] = cls._coerce(name, value)
        return cls().replace(**values)

    @classmethod
    def _coerce(cls, name: str, value):
        b = cls.bounds(name)
        kind = b["kind"]
        *parts, leaf = cls.owner(name)
        owner = cls
        for part in parts:
            owner = owner._nested()[part]
        optional = owner._fields()[leaf][2]
        if value is None and optional:
            return None
        if kind is bool and isinstance(value, bool):
            return value
        if kind is int and not isinstance(value, bool):
            if isinstance(value, int):
                return value
            if isinstance(value, float) and math.isfinite(value) and value == int(value):
                return int(value)
            raise InputError(f"{name} must be a whole number, not {value!r}"[:200])
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            if not math.isfinite(value):
                raise InputError(f"{name} must be a finite number, not {value!r}")
            return float(value)
        if kind is str and isinstance(value, str):
            return value
        raise InputError(f"{name} must be {'a ' + kind.__name__ if kind in (int, float, str, bool) else kind}, "
                         f"not {value!r}"[:200])

    def problems(self) -> list[str]:
        """Every field outside its declared range (nested configs included), then `_problems()`."""
        out = []
        for name, (f, kind, optional) in type(self)._fields().items():
            value = getattr(self, name)
            if isinstance(value, Config):
                out += value.problems()
                continue
            if value is None and optional:
                continue
            m = f.metadata
            name = m.get("label") or name
            if m.get("choices") is not None and value not in m["choices"]:
                out.append(f"{name} must be one of {', '.join(map(str, m['choices']))}, not {value!r}")
            lo, hi = m.get("lo"), m.get("hi")
            if kind is float and not math.isfinite(value):
                out.append(f"{name} must be a finite number, not {value}")
            elif lo is not None and hi is not None:
                above = value >= hi if m.get("open_hi") else value > hi
                if value < lo or above:
                    span = f"{_num(lo)} to {_num(hi)}" + (" (not including it)" if m.get("open_hi") else "")
                    out.append(f"{name} must be {span}, not {_num(value)}")
            elif lo is not None and value < lo:
                out.append(f"{name} must be at least {_num(lo)}, not {_num(value)}")
        return out + self._problems()

    def _problems(self) -> list[str]:
        """Checks that involve several fields; a config overrides this."""
        return []

    def check(self):
        """Raise InputError listing what to change if any field is out of range; else return self."""
        problems = self.problems()
        if problems:
            raise InputError("; ".join(problems))
        return self


@dataclass(frozen=True)
class ModelConfig(Config):
    """The recurrent model: cell kind, sizes, dropout between layers, and the forget gates' starting bias."""

    cell: str = setting("lstm", choices=CELLS)
    hidden_size: int = setting(24, lo=1, hi=1024, label="hidden size")
    num_layers: int = setting(1, lo=1, hi=8, label="layers")
    dropout: float = setting(0.0, lo=0.0, hi=1.0, open_hi=True)  # between stacked layers
    forget_bias: float = setting(0.0, lo=-5.0, hi=10.0, label="forget-gate bias")  # added to the LSTM forget gates' starting bias


@dataclass(frozen=True)
class TrainConfig(Config):
    """How to train. Frozen, so it is hashable: a cache key and a JSON export for free."""

    epochs: int = setting(300, lo=1, hi=100_000)
    lr: float = setting(1e-2, lo=1e-7, hi=10.0, label="learning rate")
    batch_size: int = setting(0, lo=0, label="batch size")  # 0: full batch (at most train.FULL_BATCH windows a step)
    weight_decay: float = setting(0.0, lo=0.0, label="weight decay")
    clip: float = setting(1.0, lo=0.0)  # gradient-norm clip; 0: off
    lr_decay: float = setting(1.0, lo=1e-6, hi=1.0, label="lr decay")  # the learning rate falls to lr * lr_decay by the last epoch
    patience: int = setting(0, lo=0)  # early stopping after this many epochs without improvement; 0: off
    seed: int = setting(0, lo=0, hi=1_000_000)
    snapshots: int = setting(10, lo=0, hi=1000)  # weight snapshots at about this many evenly spaced epochs

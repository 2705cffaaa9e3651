"""What every frozen settings dataclass does: replace with a check, and a JSON round trip."""
from __future__ import annotations

import dataclasses

from .errors import InputError

__all__ = ["Settings"]


class Settings:
    """Mixin for a frozen dataclass of settings (TaskConfig, TextConfig): hashable, so a cache key;
    to_dict/from_dict, so JSON and links."""

    def replace(self, **changes):
        """A copy with changes; an unknown name is an InputError, not a silent no-op."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise InputError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, d: dict):
        return cls().replace(**d)

"""Data files shipped with termbank (segmentation rules, Spanish adjectives of nationality)."""

from __future__ import annotations

import tomllib
from importlib import resources


def load(name: str) -> dict:
    """Return the TOML file ``name`` of this package, parsed."""
    return tomllib.loads(resources.files(__name__).joinpath(name).read_text("utf-8"))

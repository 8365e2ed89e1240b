"""Data the exercises show to learners (never an answer key)."""

from __future__ import annotations

from importlib import resources

import pandas as pd


def _read_csv(name: str, **kwargs) -> pd.DataFrame:
    with resources.files("course").joinpath("data", name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle, **kwargs)


def responsibilities() -> pd.DataFrame:
    """The responsibility statements of the classification exercise, indexed by id."""
    return _read_csv("responsibilities.csv", dtype=str).set_index("id")


def show(table: pd.DataFrame):
    """Display a table of statements in full, left-aligned, for reading in a notebook."""
    return table.style.set_properties(**{"text-align": "left", "white-space": "normal"})

"""Plain data: the only form in which values cross between learner code and the judge.

``encode`` turns a value into JSON-ready data made of ``None``, ``bool``,
``int``, ``float``, ``str``, lists and small tagged dicts; ``decode`` turns such
data back into Python values.  Both sides use them: the runner encodes a
learner's answers and the results of their functions, the judge encodes the
inputs it calls those functions with.

``decode`` is the trusted half.  It accepts nothing but the shapes below, builds
only built-in values and plain pandas tables from them, and bounds how deep and
how large they are; whatever else arrives becomes an ``Unsupported`` value that
equals nothing.  So an object that claims to equal everything, a ``dict``
subclass with a lying ``items`` or a table with a custom ``__eq__`` can never
reach the judge: the learner's side can only say what plain value it has.

Tags (a dict with exactly one key)::

    {"__float__": "nan" | "inf" | "-inf"}
    {"__tuple__": [...]}            {"__set__": [...]}
    {"__dict__": [[key, value], ...]}
    {"__frame__": {"columns": [...], "index": [...], "index_names": [...], "data": [[...]]}}
    {"__series__": {"name": ..., "index": [...], "index_names": [...], "data": [...]}}
    {"__object__": "TypeName"}      a value that has no plain form
    {"__missing__": true}           a name the notebook never defined
"""

from __future__ import annotations

import math
import numbers

#: Deepest nesting and most items a value may have, on either side.
MAX_DEPTH = 32
MAX_ITEMS = 200_000


class TooBig(ValueError):
    """The value is nested too deeply or has too many items."""


class Unsupported:
    """Stands for a learner's value that has no plain form; it equals nothing but itself."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:80]

    def __repr__(self) -> str:
        return f"<{self.type_name} object>"

    def __eq__(self, other: object) -> bool:
        return other is self

    __hash__ = object.__hash__


MISSING = {"__missing__": True}


class _Budget:
    def __init__(self):
        self.items = 0

    def spend(self, depth: int) -> None:
        self.items += 1
        if depth > MAX_DEPTH or self.items > MAX_ITEMS:
            raise TooBig("the value is too large or too deeply nested")


# --- encoding: any value -> plain data ------------------------------------------------------


def encode(value: object) -> object:
    """``value`` as plain data (see the module's docstring); never raises."""
    try:
        return _encode(value, 0, _Budget())
    except TooBig:
        return {"__object__": "value too large"}
    except Exception:  # a learner's object may fail in any way while it is read
        return {"__object__": _type_name(value)}


def _type_name(value: object) -> str:
    try:
        return str(type(value).__name__)
    except Exception:
        return "object"


def _float(number: float) -> object:
    if math.isfinite(number):
        return number
    return {"__float__": "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")}


def _encode(value: object, depth: int, budget: _Budget) -> object:
    budget.spend(depth)
    if value is None or type(value) is bool or type(value) is str:
        return value
    if type(value) is int:
        return value
    if type(value) is float:
        return _float(value)
    if isinstance(value, str):  # a str subclass: its plain characters only
        return str.__str__(value)
    if isinstance(value, bool):
        return bool(value)
    try:
        import numpy as np
    except ImportError:  # pragma: no cover - numpy comes with pandas
        np = None
    if np is not None:
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return _float(float(value))
        if isinstance(value, np.str_):
            return str.__str__(value)
        if isinstance(value, np.ndarray):
            return [_encode(item, depth + 1, budget) for item in value.tolist()]
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return _float(float(value))
    if isinstance(value, list):
        return [_encode(item, depth + 1, budget) for item in list.__iter__(value)]
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(item, depth + 1, budget) for item in tuple.__iter__(value)]}
    if isinstance(value, set | frozenset):
        return {"__set__": [_encode(item, depth + 1, budget) for item in list(value)]}
    if isinstance(value, dict):
        return {"__dict__": [[_encode(k, depth + 1, budget), _encode(v, depth + 1, budget)]
                             for k, v in dict.items(value)]}
    frame = _encode_pandas(value, depth, budget)
    if frame is not None:
        return frame
    return {"__object__": _type_name(value)}


def _encode_pandas(value: object, depth: int, budget: _Budget) -> object | None:
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover
        return None

    def labels(index) -> list:
        return [_encode(item, depth + 2, budget) for item in index.tolist()]

    if isinstance(value, pd.DataFrame):
        frame = pd.DataFrame.copy(value, deep=False)
        return {"__frame__": {
            "columns": labels(frame.columns),
            "index": labels(frame.index),
            "index_names": [_encode(n, depth + 2, budget) for n in frame.index.names],
            "data": [[_encode(item, depth + 3, budget) for item in row]
                     for row in frame.itertuples(index=False, name=None)],
        }}
    if isinstance(value, pd.Series):
        series = pd.Series.copy(value, deep=False)
        return {"__series__": {
            "name": _encode(series.name, depth + 1, budget),
            "index": labels(series.index),
            "index_names": [_encode(n, depth + 2, budget) for n in series.index.names],
            "data": [_encode(item, depth + 2, budget) for item in series.tolist()],
        }}
    return None


# --- decoding: plain data -> values (trusted) ----------------------------------------------


def decode(data: object) -> object:
    """Plain data (from JSON) back to a value; shapes it does not know become ``Unsupported``."""
    try:
        return _decode(data, 0, _Budget())
    except TooBig:
        return Unsupported("value too large")


def is_missing(data: object) -> bool:
    return type(data) is dict and data == MISSING


def _decode(data: object, depth: int, budget: _Budget) -> object:
    budget.spend(depth)
    if data is None or type(data) in (bool, int, float, str):
        return data
    if type(data) is list:
        return [_decode(item, depth + 1, budget) for item in data]
    if type(data) is not dict or len(data) != 1:
        return Unsupported("object")
    ((tag, body),) = data.items()
    if tag == "__float__" and body in ("nan", "inf", "-inf"):
        return float(body)
    if tag == "__tuple__" and type(body) is list:
        return tuple(_decode(item, depth + 1, budget) for item in body)
    if tag == "__set__" and type(body) is list:
        items = [_decode(item, depth + 1, budget) for item in body]
        try:
            return set(items)
        except TypeError:
            return Unsupported("set")
    if tag == "__dict__" and type(body) is list:
        result = {}
        for pair in body:
            if type(pair) is not list or len(pair) != 2:
                return Unsupported("dict")
            key = _decode(pair[0], depth + 1, budget)
            try:
                result[key] = _decode(pair[1], depth + 1, budget)
            except TypeError:  # an unhashable key
                return Unsupported("dict")
        return result
    if tag == "__frame__" and type(body) is dict:
        return _decode_frame(body, depth, budget)
    if tag == "__series__" and type(body) is dict:
        return _decode_series(body, depth, budget)
    if tag == "__object__" and type(body) is str:
        return Unsupported(body)
    return Unsupported("object")


def _index(labels: object, names: object, depth: int, budget: _Budget):
    import pandas as pd

    if type(labels) is not list or type(names) is not list:
        raise ValueError("bad index")
    values = [_decode(item, depth + 2, budget) for item in labels]
    names = [_decode(item, depth + 2, budget) for item in names]
    if len(names) > 1:
        if not all(type(v) is tuple and len(v) == len(names) for v in values):
            raise ValueError("bad index")
        return pd.MultiIndex.from_tuples(values, names=names) if values else \
            pd.MultiIndex.from_arrays([[]] * len(names), names=names)
    index = pd.Index(values, tupleize_cols=False, dtype=None if values else object)
    index.name = names[0] if names else None
    return index


def _decode_frame(body: dict, depth: int, budget: _Budget):
    import pandas as pd

    try:
        columns = [_decode(item, depth + 2, budget) for item in body["columns"]]
        index = _index(body["index"], body["index_names"], depth, budget)
        rows = body["data"]
        if type(rows) is not list or len(rows) != len(index):
            raise ValueError("bad rows")
        data = []
        for row in rows:
            if type(row) is not list or len(row) != len(columns):
                raise ValueError("bad row")
            data.append([_decode(item, depth + 3, budget) for item in row])
        by_column = {i: [row[i] for row in data] for i in range(len(columns))}
        frame = pd.DataFrame(by_column, index=index)
        frame.columns = pd.Index(columns, tupleize_cols=False, dtype=None if columns else object)
        return frame
    except TooBig:
        raise
    except Exception:
        return Unsupported("DataFrame")


def _decode_series(body: dict, depth: int, budget: _Budget):
    import pandas as pd

    try:
        index = _index(body["index"], body["index_names"], depth, budget)
        data = body["data"]
        if type(data) is not list or len(data) != len(index):
            raise ValueError("bad data")
        values = [_decode(item, depth + 2, budget) for item in data]
        name = _decode(body["name"], depth + 1, budget)
        if isinstance(name, Unsupported):
            name = None
        return pd.Series(values, index=index, name=name, dtype=None if values else object)
    except TooBig:
        raise
    except Exception:
        return Unsupported("Series")

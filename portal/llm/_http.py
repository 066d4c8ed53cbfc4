"""The HTTP library the installed ``openai`` package is built on.

openai 1.x/2.x use ``httpx``; the 3.x line installed here uses its successor ``httpx2`` (same
transport API). Custom transports and ``http_client`` objects must come from the same library,
so this module finds it from ``openai.DefaultHttpxClient``'s base classes.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from types import ModuleType


@lru_cache(maxsize=1)
def http_module() -> ModuleType:
    import openai

    for base in getattr(openai.DefaultHttpxClient, "__mro__", ()):
        root = base.__module__.split(".", 1)[0]
        if root in ("httpx2", "httpx"):
            return importlib.import_module(root)
    for name in ("httpx2", "httpx"):  # pragma: no cover - unusual installs
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    raise ImportError("neither httpx2 nor httpx is installed")  # pragma: no cover

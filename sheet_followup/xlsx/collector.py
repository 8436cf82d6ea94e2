"""Pausing Python's cyclic garbage collector over work that makes many objects and no cycles.

Editing a large sheet, or making a large run's notes, allocates hundreds of thousands of small
objects that live until the end. Each full collection walks all of them (and every other
object of the run), a few times over as they pile up: seconds at 100,000 rows, to free
nothing. Reference counting still frees every object as usual; the collector resumes after.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """No cyclic collection inside the ``with`` block (as it was, after it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

"""Memory handed back to the operating system between nodes (``user_score.reliability.memory``)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from user_score import settings
from user_score.reliability.memory import FreeMemoryHook, _malloc_trim


def test_release_returns_the_pages_pyarrow_holds_after_a_frame_is_freed():
    """pyarrow's pool keeps freed pages resident until asked; the release hands them back.
    (A fresh interpreter, so other tests' allocations do not blur the figures.)"""
    script = textwrap.dedent(
        """
        import pyarrow as pa
        from user_score.reliability.memory import release_free_memory

        def rss_mb():
            with open("/proc/self/statm") as handle:
                return int(handle.read().split()[1]) * 4096 / 2**20

        texts = pa.array([f"game title number {i}" for i in range(2_000_000)])
        upper = pa.compute.utf8_upper(texts)  # ~60 MB allocated by Arrow's pool
        del texts, upper
        held = rss_mb()
        release_free_memory()
        print(held - rss_mb())
        """
    )
    freed = float(
        subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        ).stdout
    )
    assert freed > 30, f"only {freed:.0f} MB returned"


def test_glibc_trim_is_found_on_this_platform():
    """Linux with glibc (the deployed image): both allocators are asked."""
    assert _malloc_trim() is not None


def test_the_hook_is_registered_for_every_run():
    assert any(isinstance(hook, FreeMemoryHook) for hook in settings.HOOKS)

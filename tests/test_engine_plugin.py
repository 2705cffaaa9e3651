"""The worker plugin's malloc repair: Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which
pins glibc's mmap threshold so that every block above 128 KiB is a fresh mmap (and its page faults)."""
import os
import subprocess
import sys
import textwrap

import pytest

CHILD = textwrap.dedent("""
    import ctypes, ctypes.util, resource, sys
    from lstmviz.engine.plugin import fast_malloc
    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]

    def faults():
        before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        for _ in range(50):  # what a training step does with a 1 MiB tensor: allocate, write, free
            p = libc.malloc(1 << 20)
            ctypes.memset(p, 1, 1 << 20)
            libc.free(p)
        return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before

    pinned = faults()
    fast_malloc()
    faults()  # the first block after the repair comes from the heap's growth
    print(pinned, faults())
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc tunables")
def test_fast_malloc_stops_a_fresh_mmap_per_large_block():
    env = {**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"}  # as the nanny sets it
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    pinned, repaired = map(int, out.stdout.split())
    assert pinned >= 50 * 200, (pinned, repaired)  # 256 pages per block, each a fault
    assert repaired < 50, (pinned, repaired)

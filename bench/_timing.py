"Timing helper shared by the bench scripts (they run as `python bench/<script>.py`, so this directory is on sys.path)."
import statistics, time

def sync():
    "Wait for queued GPU work: CUDA kernels run asynchronously, so a timer read without this measures only their launch."
    import torch
    if torch.cuda.is_available() and torch.cuda.is_initialized(): torch.cuda.synchronize()

def interleaved(fns:dict, reps:int, warmup:int=1) -> dict:
    "Median seconds of each function, run A B C A B C ... after `warmup` calls each, so load changes hit all alike."
    for f in fns.values():
        for _ in range(warmup): f()
    ts = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            sync(); t = time.perf_counter(); f(); sync(); ts[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in ts.items()}

DEVICE_HELP = 'cpu, cuda, ... (default: $PAPER_SUBSPACE_DEVICE, else CUDA if torch sees a GPU, else the CPU)'

def bench_device(name=None):
    """Where the timed steps run: `name` (a script's --device), else as the library chooses (`$PAPER_SUBSPACE_DEVICE`,
    else CUDA when torch sees a GPU, else the CPU); printed by every script that uses it."""
    from paper_subspace.core import resolve_device
    return resolve_device(name)

def malloc_setup() -> str:
    """Allocate as the library's runs do: the trainer calls `paper_subspace.core.keep_freed_memory` (glibc keeps freed
    blocks instead of re-faulting fresh pages every step). `PAPER_SUBSPACE_MALLOC=0 python bench/...` times glibc's default."""
    from paper_subspace.core import keep_freed_memory
    return 'malloc: keeps freed memory, as the trainer' if keep_freed_memory() else 'malloc: glibc default (PAPER_SUBSPACE_MALLOC=0, or not glibc)'

"Timing helper shared by the bench scripts (they run as `python bench/<script>.py`, so this directory is on sys.path)."
import statistics, time

def interleaved(fns:dict, reps:int, warmup:int=1) -> dict:
    "Median seconds of each function, run A B C A B C ... after `warmup` calls each, so load changes hit all alike."
    for f in fns.values():
        for _ in range(warmup): f()
    ts = {k: [] for k in fns}
    for _ in range(reps):
        for k, f in fns.items():
            t = time.perf_counter(); f(); ts[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in ts.items()}

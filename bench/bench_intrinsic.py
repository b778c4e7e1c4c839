"""Benchmarks of paper_subspace.intrinsic (Qin et al., intrinsic prompt tuning).

    python bench/bench_intrinsic.py [--threads N] [--reps R] [--device cuda]

1. one batched multi-task MSF step (one forward for all tasks, a prompt per example) / the same step as a loop over
   tasks (one forward per task) — forward + backward, same examples, same loss (goal <= 0.2);
2. one IST training step / one PT training step on the same batch (goal <= 1.05);
3. Fastfood projection / dense projection, d -> D = 2^20, forward + backward, at d = 256, 512, 1024 (goal <= 0.1).
Times are medians over `--reps` interleaved repetitions (2× for the short IST/PT steps) after a warm-up; the machine's
load is printed with them.
"""
import argparse, os, tempfile
from pathlib import Path
import torch
from _timing import interleaved, malloc_setup, bench_device, DEVICE_HELP

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=None); ap.add_argument('--reps', type=int, default=15)
    ap.add_argument('--tasks', type=int, default=16); ap.add_argument('--per-task', type=int, default=2)
    ap.add_argument('--ff-d', default='256,512,1024', help='subspace dimensions d to compare at')
    ap.add_argument('--device', default=None, help=DEVICE_HELP)
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    os.environ.setdefault('HF_HUB_OFFLINE', '1'); os.environ.setdefault('HF_DATASETS_OFFLINE', '1')
    print(malloc_setup())
    from paper_subspace.backbones import load_backbone
    from paper_subspace.tasks import load_task
    from paper_subspace.delta import prompt_delta
    from paper_subspace.train import delta_forward
    from paper_subspace.intrinsic import (IPT_PROFILES, PromptAE, MSFConfig, msf_loss, msf_loss_loop, msf_draw, save_ae, ist_delta,
                                          FastfoodGenerator)
    dev = bench_device(a.device)
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, load average {os.getloadavg()}, device {dev}')
    P = IPT_PROFILES['cpu']
    bb = load_backbone(P['backbone'], max_len=P['max_len'], device='cpu').freeze()  # built on the CPU with the prompts and deltas below, then moved
    names = (P['splits']['single'] + P['splits']['pair'] + ['cola', 'snli', 'superglue-wic', 'superglue-cb', 'tweet_eval-hate', 'ag_news'])[:a.tasks]
    datas = [load_task(n, k=16, seed=13, max_test=8) for n in names]
    n, d = P['n_tokens'], bb.d
    Ps = torch.randn(len(datas), n, d) * 0.3
    ae = PromptAE((n, d), 25, 768, seed=0)
    with tempfile.TemporaryDirectory() as tmp:  # the IST delta reads the auto-encoder once, when it is made
        ist = ist_delta(save_ae(ae, Path(tmp)/'ae.safetensors'), seed=0)  # (item 1 takes no optimizer step: ae keeps these weights)
    pt = prompt_delta(bb, n, seed=0)
    bb, Ps, ae, ist, pt = bb.to(dev), Ps.to(dev), ae.to(dev), ist.to(dev), pt.to(dev)  # to the device the steps are timed on

    # 1. batched MSF step vs per-task loop (forward + backward through the auto-encoder)
    cfg = MSFConfig(d_I=25, tasks_per_step=len(datas), per_task=a.per_task)
    draw = msf_draw(datas, cfg, 0)
    def batched(): ae.zero_grad(); msf_loss(bb, ae, datas, Ps, draw, cfg)[0].backward()
    def loop(): ae.zero_grad(); msf_loss_loop(bb, ae, datas, Ps, draw, cfg).backward()
    r = interleaved(dict(batched=batched, loop=loop), a.reps); tb, tl = r['batched'], r['loop']
    print(f'1. MSF step, {len(datas)} tasks x {a.per_task} examples: batched {tb*1e3:.0f} ms, loop {tl*1e3:.0f} ms, ratio {tb/tl:.3f} (goal <= 0.2)')

    # 2. IST step vs PT step, same batch
    b = bb.encode(datas[0].train[:8], datas[0].task)
    opt_pt, opt_ist = torch.optim.AdamW(pt.parameters(), 1e-2), torch.optim.AdamW(ist.parameters(), 1e-2)
    def step(dl, opt):
        def f():
            loss = bb.loss(delta_forward(bb, b, dl), b); opt.zero_grad(); loss.backward(); opt.step()
        return f
    r = interleaved(dict(pt=step(pt, opt_pt), ist=step(ist, opt_ist)), 2 * a.reps); tp, ti = r['pt'], r['ist']
    print(f'2. train step on 8 examples: IST {ti*1e3:.0f} ms, PT {tp*1e3:.0f} ms, ratio {ti/tp:.3f} (goal <= 1.05)')

    # 3. Fastfood vs dense projection at D = 2^20, for several d (Fastfood costs O(D log D) whatever d; dense O(D d))
    D = 2 ** 20
    for dd in (int(x) for x in str(a.ff_d).split(',')):
        ff = FastfoodGenerator(D, dd, seed=0).to(dev)
        M = (torch.randn(D, dd) / D ** 0.5).to(dev)  # a dense D x d projection (the cost does not depend on its values)
        z = torch.zeros(dd, device=dev, requires_grad=True)
        with torch.no_grad(): ff.z.normal_()
        def f_ff(): ff.z.grad = None; ff().square().sum().backward()
        def f_dense(): z.grad = None; (M @ z).square().sum().backward()
        r = interleaved(dict(ff=f_ff, dense=f_dense), a.reps); tf, td = r['ff'], r['dense']
        print(f'3. projection d={dd} -> D=2^20, forward + backward: Fastfood {tf*1e3:.1f} ms, dense {td*1e3:.1f} ms '
              f'(dense matrix {M.numel()*4/2**30:.1f} GiB), ratio {tf/td:.3f} (goal <= 0.1)')
        del M
    print(f'load average at the end {os.getloadavg()}')

if __name__ == '__main__': main()

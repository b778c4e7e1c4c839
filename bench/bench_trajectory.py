"""Benchmarks of the trajectory-subspace method (seed 003, paper_subspace.trajectory).

1. Per-layer compact SVD by the Gram route (`gram_svd`) ÷ dense `torch.linalg.svd` on the same 32 × 1,774,464
   matrix (one MiniLM encoder layer; goal ≤ 0.2) and the largest basis difference up to sign (goal ≤ 1e-4),
   each against a float64 SVD (dense float32 SVD is itself ~4e-4 off it, so Gram-vs-dense shows dense's error).
   The matrix is a random walk (cumulative Gaussian steps), whose singular values decay like 1/k: well
   separated, so the basis is well defined. (Real few-step fine-tuning trajectories decay faster.)
2. Re-parameterized training step (intrinsic subspace: 6 layers × d=32, h=16, embeddings in their own space)
   ÷ plain full fine-tuning step, on the embedded MiniLM, SST-2 at batch 8 and 32 padded to the batch's longest input,
   and at the paper's step shape: batch 8 padded to 128 tokens (the paper fine-tunes with HF's run_glue defaults,
   per_device_train_batch_size 8, max_seq_length 128, pad_to_max_length True) (report; goal ≤ 1.3). The basis costs
   the same per step whatever the input; the model's work grows with its tokens. Also the trainer's Full fine-tuning
   (identity generator over all weights through `functional_call`) ÷ the plain step.
3. Peak memory of trajectory recording (in a fresh subprocess each): peak RSS (sampled every 5 ms) above the loaded model, for
   t = 2 and t = 8 checkpoints — it must not grow with t (one model + one checkpoint, not t).
4. With `--trajectory DIR` (a recorded trajectory, e.g. results/sst2/trajectory-*): item 1 on every layer of real
   fine-tuning displacements (few steps, so the basis is cut at the noise floor), plus the residual of W outside V. Both
   routes time the same in-memory displacement matrix; the Gram route is also timed from the file (memory-mapped rows,
   θ_0 subtracted inside `gram_svd`), as the library computes a basis — until session 27 only that was timed, against a
   dense SVD of the matrix already in memory, which favoured dense.

Run: `HF_HUB_OFFLINE=1 python bench/bench_trajectory.py [--threads N] [--device cuda]`. Prints the measured ratios.
"""
import argparse, json, os, subprocess, sys, tempfile, time
import numpy as np, torch
from _timing import interleaved, malloc_setup, bench_device, DEVICE_HELP

def max_diff_up_to_sign(Vx, ref):
    "Largest entry difference between the columns of Vx and of a reference basis, up to the sign of each column."
    Vx = Vx.double(); sign = torch.sign((Vx * ref).sum(0)); return (Vx - ref * sign).abs().max().item()

def bench_svd(D=1_774_464, t=32, reps=3):
    from paper_subspace.trajectory import gram_svd
    g = torch.Generator().manual_seed(0)
    W = torch.cumsum(torch.randn(t, D, generator=g) * 1e-3, 0)  # (t, D) random-walk trajectory
    tg, td = [], []
    for _ in range(reps):
        t0 = time.perf_counter(); U, S, V = gram_svd(W); tg.append(time.perf_counter() - t0)
        t0 = time.perf_counter(); Ud, Sd, Vhd = torch.linalg.svd(W, full_matrices=False); td.append(time.perf_counter() - t0)
    Ur, Sr, Vhr = torch.linalg.svd(W.double(), full_matrices=False)  # float64 reference (not timed)
    err = lambda Vx: max_diff_up_to_sign(Vx, Vhr.T)
    sign = torch.sign((V * Vhd.T).sum(0))
    return dict(gram_s=min(tg), dense_s=min(td), ratio=min(tg) / min(td), max_basis_diff=(V - Vhd.T * sign).abs().max().item(),
                gram_vs_f64=err(V), dense_vs_f64=err(Vhd.T), max_rel_sigma_diff=((S - Sr).abs() / Sr[0]).max().item())

def bench_svd_real(path, reps=3):
    "The same comparison on every layer of a recorded trajectory (the regime the tables use: few steps, a rank cut)."
    from paper_subspace.trajectory import Trajectory, gram_svd
    tr = Trajectory(path); out = []
    for layer in tr.layers:
        R = tr.rows_of(layer); W = torch.as_tensor(np.asarray(R[1:tr.rows]) - np.asarray(R[0]), dtype=torch.float32)  # (n, D) displacements
        tg, tf, td = [], [], []  # Gram on the in-memory displacements (the same matrix as dense), Gram from the file (as the library runs), dense
        for _ in range(reps):
            t0 = time.perf_counter(); U, S, V = gram_svd(W); tg.append(time.perf_counter() - t0)
            t0 = time.perf_counter(); Uf, Sf, Vf = gram_svd(R[1:tr.rows], origin=R[0]); tf.append(time.perf_counter() - t0)
            t0 = time.perf_counter(); Ud, Sd, Vhd = torch.linalg.svd(W, full_matrices=False); td.append(time.perf_counter() - t0)
        assert Vf.shape == V.shape and max_diff_up_to_sign(Vf, V.double()) < 1e-5, layer  # the file route reads the same rows
        Ur, Sr, Vhr = torch.linalg.svd(W.double(), full_matrices=False)  # float64 reference of the same float32 displacements
        r = V.shape[1]; ref = Vhr[:r].T
        err = lambda Vx: max_diff_up_to_sign(Vx[:, :r], ref)
        out.append(dict(layer=layer, n=W.shape[0], D=W.shape[1], rank=r, ratio=min(tg) / min(td), ratio_file=min(tf) / min(td),
                        gram_vs_f64=err(V), dense_vs_f64=err(Vhd.T),
                        recon=((W.double() - (W.double() @ V.double()) @ V.double().T).norm() / W.double().norm()).item()))
    return out

def pad_batch(batch, T:int, pad_id:int) -> dict:
    "Right-pad a batch's (B, t) token tensors to T, as run_glue's default `pad_to_max_length` does (masked positions change no output)."
    out = dict(batch); n = T - batch['input_ids'].shape[1]
    if n < 0: raise ValueError(f"The batch is already {batch['input_ids'].shape[1]} tokens long, more than T={T}.")
    out['input_ids'] = torch.nn.functional.pad(batch['input_ids'], (0, n), value=pad_id)
    out['attention_mask'] = torch.nn.functional.pad(batch['attention_mask'], (0, n), value=0)
    return out

def bench_step(steps=11, bs=8, device=None, pad_to=None):
    from paper_subspace.backbones import load_backbone
    from paper_subspace.tasks import load_task
    from paper_subspace.delta import finetune_delta
    from paper_subspace.train import delta_forward, OPTIMIZERS, TrainConfig, adamw
    from paper_subspace.trajectory import subspace_delta
    bb = load_backbone('default', max_len=pad_to or 64, device=device); bb.freeze()
    data = load_task('sst2', k=16, seed=13)
    batch = bb.encode(data.train[:bs], data.task)
    if pad_to: batch = pad_batch(batch, pad_to, bb.tokenizer.pad_token_id)
    def own_grads(on:bool):  # the plain step trains the model's own parameters; the delta steps must not (functional_call leaves
        for p in bb.model.parameters(): p.requires_grad_(on)  # parameters no delta covers in place: they would get gradients too)
    def delta_step(delta):  # the trainer's step: generated tensors through functional_call
        opt = OPTIMIZERS['adamw_plr']([p for p in delta.parameters() if p.requires_grad], TrainConfig(lr=1e-4))
        def f(): own_grads(False); loss = bb.loss(delta_forward(bb, batch, delta), batch); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return f
    def plain_step():  # plain PyTorch fine-tuning: the model's own parameters train, no delta, no functional_call
        opt = adamw(list(bb.model.parameters()), 1e-4)  # fused, as the library's (the subspace step's adamw_plr is fused too)
        def f(): own_grads(True); loss = bb.loss(bb(batch), batch); opt.zero_grad(set_to_none=True); loss.backward(); opt.step()
        return f
    # interleaved (sub, Full FT delta, plain, sub, ...) so that a change of load or clock hits all three alike
    t = interleaved({'sub': delta_step(subspace_delta(bb, 'random', d=32, h=16, lr=0.01)),  # d = 32, h = 16: the paper's largest
                     'ft_delta': delta_step(finetune_delta(bb)),  # the trainer's Full fine-tuning (identity generator over every weight)
                     'ft': plain_step()}, steps)
    bb.freeze()
    return dict(subspace_step_s=t['sub'], ft_step_s=t['ft'], ratio=t['sub'] / t['ft'], ft_delta_step_s=t['ft_delta'], ft_delta_ratio=t['ft_delta'] / t['ft'],
                shape=tuple(batch['input_ids'].shape))

MEM_CHILD = r'''
import sys, json, torch
torch.set_num_threads(int(sys.argv[3]))
from paper_subspace.backbones import load_backbone
from paper_subspace.trajectory import PROFILES, load_data, record_trajectory, ft_config
bb = load_backbone('default', max_len=32)
P = dict(PROFILES['smoke'], bs=4)
data = load_data(P, 'sst2', 13)
import threading, os, time
from paper_subspace.core import rss_anon_mb as rss  # anonymous: the memory-mapped trajectory rows are page cache, not process memory
peak, stop = [rss()], []
def sample():
    while not stop: peak.append(rss()); time.sleep(0.005)
th = threading.Thread(target=sample, daemon=True); before = rss(); th.start()
tr, rec = record_trajectory(bb, data, int(sys.argv[1]), ft_config(P, 13), sys.argv[2], eval_epochs=100)
stop.append(1); th.join(); after = max(peak)
n = sum(p.numel() for p in bb.model.parameters())
print(json.dumps(dict(t=tr.t, peak_before_mb=before, peak_after_mb=after, model_mb=n * 4 / 2**20)))
'''

def bench_memory(threads):
    out = {}
    for t in (2, 8):
        with tempfile.TemporaryDirectory() as d:
            r = subprocess.run([sys.executable, '-c', MEM_CHILD, str(t), d, str(threads)], capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE='1'))
            if r.returncode: raise RuntimeError(r.stderr[-2000:])
            out[t] = json.loads(r.stdout.strip().splitlines()[-1])
    return out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(); ap.add_argument('--threads', type=int, default=None); ap.add_argument('--skip', default='')
    ap.add_argument('--device', default=None, help='where the step benchmark runs (the SVD and memory ones are CPU ones): ' + DEVICE_HELP)
    ap.add_argument('--trajectory', default=None, help='a recorded trajectory folder (results/<task>/trajectory-*) for the SVD check on real data')
    a = ap.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    print(f'torch threads: {torch.get_num_threads()}, load average {os.getloadavg()}; {malloc_setup()}')
    if 'svd' not in a.skip:
        s = bench_svd()
        print(f"[svd] 32 × 1,774,464: Gram route {s['gram_s']:.2f} s, dense torch.linalg.svd {s['dense_s']:.2f} s -> ratio {s['ratio']:.3f} (goal <= 0.2); "
              f"max |ΔV| up to sign against a float64 SVD: Gram {s['gram_vs_f64']:.1e} (goal <= 1e-4), dense float32 {s['dense_vs_f64']:.1e} "
              f"(Gram vs dense {s['max_basis_diff']:.1e}); max relative |Δσ| (Gram vs float64) {s['max_rel_sigma_diff']:.1e}")
    if a.trajectory:
        for s in bench_svd_real(a.trajectory):
            print(f"[svd, real] {s['layer']}: {s['n']} × {s['D']:,}, rank kept {s['rank']}: Gram ÷ dense {s['ratio']:.3f} on the same in-memory matrix ({s['ratio_file']:.3f} reading the trajectory file and subtracting θ_0 inside, as the library does); max |ΔV| (kept directions, up to sign) "
                  f"vs a float64 SVD: Gram {s['gram_vs_f64']:.1e}, dense float32 {s['dense_vs_f64']:.1e}; relative residual of W outside V {s['recon']:.1e}")
    if 'step' not in a.skip:
        dev = bench_device(a.device)
        # the basis costs the same per step whatever the batch; the model's work grows with the tokens. (8, 128): the paper's
        # step, HF run_glue's defaults (per_device_train_batch_size 8, max_seq_length 128, pad_to_max_length True; paper App. A)
        for bs, pad_to, what in ((8, None, 'SST-2 padded to its longest'), (8, 128, "padded to 128 as the paper's run_glue"),
                                 (32, None, 'SST-2 padded to its longest')):
            s = bench_step(bs=bs, device=dev, pad_to=pad_to)
            print(f"[step] batch {bs}, {what}, input {s['shape'][0]} × {s['shape'][1]} ({dev}): subspace step {s['subspace_step_s']:.3f} s / plain full FT step {s['ft_step_s']:.3f} s -> ratio {s['ratio']:.2f} (goal <= 1.3); "
                  f"the trainer's Full FT (finetune_delta) {s['ft_delta_step_s']:.3f} s ({s['ft_delta_ratio']:.2f}× plain)")
    if 'mem' not in a.skip:
        m = bench_memory(torch.get_num_threads())
        for t, r in m.items():
            print(f"[memory] t={t}: RSS with the model loaded {r['peak_before_mb']:.0f} MB, peak while recording {r['peak_after_mb']:.0f} MB (+{r['peak_after_mb'] - r['peak_before_mb']:.0f} MB: gradients, AdamW state, one checkpoint) "
                  f"(model = {r['model_mb']:.0f} MB; t models would be {t * r['model_mb']:.0f} MB)")
        g = m[8]['peak_after_mb'] - m[2]['peak_after_mb']
        print(f"[memory] growth of the peak from t=2 to t=8: {g:+.0f} MB (goal: ~0, independent of t)")

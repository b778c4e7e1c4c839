"""Prompt-tuning step cost on the embedded default backbone, measured in one run.

Prints two ratios (lower is better):
  1. our PT step / the raw frozen backbone forward + input-gradient backward at the same padded shapes
     (goal <= 1.10): what our delta/backbone/trainer layers add on top of the unavoidable work.
  2. our PT step / PEFT's prompt-tuning step on the same model and batch (goal <= 1.0).
Each variant runs interleaved (A B C A B C ...) so machine load hits all alike; we report medians.
Usage: python bench/bench_pt.py [--batch 16] [--tokens 20] [--reps 15] [--device cuda]
"""
import argparse, os
os.environ.setdefault('HF_HUB_OFFLINE', '1'); os.environ.setdefault('TOKENIZERS_PARALLELISM', 'false')
import torch, torch.nn.functional as F
from peft import PromptTuningConfig, get_peft_model, TaskType
from paper_subspace.tasks import load_task
from paper_subspace.backbones import load_backbone, pool
from paper_subspace.delta import prompt_delta
from paper_subspace.train import delta_forward
from _timing import interleaved, malloc_setup, bench_device, DEVICE_HELP

ap = argparse.ArgumentParser()
ap.add_argument('--batch', type=int, default=16); ap.add_argument('--tokens', type=int, default=20); ap.add_argument('--reps', type=int, default=15)
ap.add_argument('--device', default=None, help=DEVICE_HELP)
a = ap.parse_args()
print(malloc_setup())
torch.manual_seed(0)
dev = bench_device(a.device)
bb = load_backbone('default', device='cpu').freeze()  # built on the CPU with both prompts, then moved to `dev`
data = load_task('sst2', k=16, seed=13)
ex = data.train[:a.batch]
task = data.task

# ours: the trainer's step (encode, delta -> prompt, forward, loss, backward, clip, AdamW)
delta = prompt_delta(bb, a.tokens)
# PEFT: prompt tuning on the same BertModel (feature extraction), same pooling and loss (its step is below)
pm = get_peft_model(bb.model, PromptTuningConfig(task_type=TaskType.FEATURE_EXTRACTION, num_virtual_tokens=a.tokens))
bb, delta, pm = bb.to(dev), delta.to(dev), pm.to(dev)
opt = torch.optim.AdamW([p for p in delta.parameters() if p.requires_grad], lr=1e-2)
def ours():
    b = bb.encode(ex, task)
    loss = bb.loss(delta_forward(bb, b, delta), b)
    opt.zero_grad(set_to_none=True); loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in delta.parameters() if p.requires_grad], 1.0); opt.step()

# raw: the frozen model's forward + backward to its input embeddings, same padded shapes, same loss head
b0 = bb.encode(ex, task)
with torch.no_grad():
    lab = F.normalize(bb.h._cand_vectors(bb.model, b0['cand_ids'], b0['cand_mask']), dim=-1)  # (C, d)
x0, m0, _ = bb.prompted(bb.model, b0['input_ids'], b0['attention_mask'], delta.tensors()['prompt'].detach())
def raw():
    x = x0.detach().requires_grad_(True)
    h = bb.model(inputs_embeds=x, attention_mask=m0).last_hidden_state
    loss = F.cross_entropy(F.normalize(pool(h, m0, bb.pooling), dim=-1) @ lab.T / bb.temperature, b0['labels'])
    loss.backward()

popt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=1e-2)
texts = bb.h.texts(task, ex)
def peft():
    enc = bb.tokenizer(texts, padding='longest', truncation=True, max_length=bb.max_len, return_tensors='pt').to(dev)
    h = pm(input_ids=enc['input_ids'], attention_mask=enc['attention_mask']).last_hidden_state  # (B, n+T, d)
    mask = torch.cat([enc['attention_mask'].new_ones(len(ex), a.tokens), enc['attention_mask']], 1)
    loss = F.cross_entropy(F.normalize(pool(h, mask, bb.pooling), dim=-1) @ lab.T / bb.temperature, b0['labels'])
    popt.zero_grad(set_to_none=True); loss.backward()
    torch.nn.utils.clip_grad_norm_([p for p in pm.parameters() if p.requires_grad], 1.0); popt.step()

med = interleaved(dict(ours=ours, raw=raw, peft=peft), a.reps)
print(f'batch {a.batch}, prompt {a.tokens} tokens, input shape {tuple(x0.shape)}, {a.reps} interleaved reps, torch threads {torch.get_num_threads()}, device {dev}')
for k, v in med.items(): print(f'  {k:5s} median step {v*1000:8.1f} ms')
print(f'PT step / raw frozen forward+input-grad backward = {med["ours"]/med["raw"]:.3f}  (goal <= 1.10)')
print(f'PT step / PEFT prompt-tuning step              = {med["ours"]/med["peft"]:.3f}  (goal <= 1.0)')

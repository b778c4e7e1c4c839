"""The benchmark scripts run, and the timed steps of each keep every tensor on the device it names.

No GPU here, so no GPU timing: the device-taking scripts run on PyTorch's `meta` device inside `core.one_device`, which
rejects an operator given tensors on two devices as CUDA does (`nbs/00_core.ipynb`, *Devices*). A tensor left on the
CPU while the model is elsewhere fails the test; the times printed on `meta` mean nothing and are not read. About 1 min.
"""
import os, subprocess, sys
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
HARNESS = '''
import runpy, sys
sys.path.insert(0, 'bench')
from paper_subspace.core import one_device
script = sys.argv[1]; sys.argv = sys.argv[1:]
with one_device(): runpy.run_path(script, run_name='__main__')
print('RAN', script)
'''

def _run(args, tmp_path):
    env = dict(os.environ, HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1', TMPDIR=str(tmp_path))
    return subprocess.run([sys.executable, '-c', HARNESS] + args, cwd=ROOT, env=env, capture_output=True, text=True)

@pytest.mark.parametrize('args', [['bench/bench_pt.py', '--device', 'meta', '--reps', '1'],
                                  ['bench/bench_intrinsic.py', '--device', 'meta', '--reps', '1', '--ff-d', '256'],
                                  ['bench/bench_trajectory.py', '--device', 'meta', '--skip', 'svd,mem']],
                         ids=['pt', 'intrinsic', 'trajectory-step'])
def test_bench_keeps_one_device(args, tmp_path):
    out = _run(args, tmp_path)
    assert out.returncode == 0 and f'RAN {args[0]}' in out.stdout, out.stderr[-3000:]
    assert 'device meta' in out.stdout or '(meta)' in out.stdout, out.stdout[-2000:]  # the script says where it timed

def test_one_device_catches_a_tensor_left_on_the_cpu(tmp_path):
    "The check this file relies on: a script that mixes devices fails under the harness."
    bad = tmp_path/'bad.py'
    bad.write_text("import torch\nm = torch.nn.Linear(4, 4).to('meta')\nm(torch.randn(2, 4))\n")
    out = _run([str(bad)], tmp_path)
    assert out.returncode != 0 and 'RAN' not in out.stdout

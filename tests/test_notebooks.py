"""Run every notebook in `nbs/` as one pytest test, so CI prints pytest's "N passed" line.

Module notebooks run through nbdev's own runner (cells flagged `#| slow` are skipped unless
`PAPER_SUBSPACE_TEST_FLAGS=slow`). Paper-table notebooks run through papermill with the tiny
`smoke` profile, writing into a temporary directory, which also checks their `parameters` tag.
"""
import os, tempfile, pytest
from pathlib import Path
from nbdev.test import test_nb as run_nb  # renamed: pytest would collect `test_nb` itself

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
def _visible(p): return not any(part.startswith(('.', '_')) for part in p.relative_to(NBS).parts)
MODULE_NBS = sorted(p for p in NBS.glob('*.ipynb') if _visible(p))
TABLE_NBS = sorted(p for p in (NBS/'tables').glob('*.ipynb') if _visible(p))
FLAGS = os.environ.get('PAPER_SUBSPACE_TEST_FLAGS', '').split()  # e.g. 'slow' also runs the `#| slow` cells

@pytest.fixture(autouse=True)
def _tmp_in_tmp_path(tmp_path, monkeypatch):
    "The notebooks' `tempfile.mkdtemp()` directories (and their kernels' and children's) go under the test's own tmp_path, which pytest removes."
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path)); monkeypatch.setenv('TMPDIR', str(tmp_path))

@pytest.mark.parametrize('nb', MODULE_NBS, ids=[p.name for p in MODULE_NBS])
def test_module_notebook(nb):
    ok, _ = run_nb(nb, skip_flags=['slow'], force_flags=FLAGS, basepath=str(NBS))
    assert ok, f'{nb.name} failed (see the traceback above)'

@pytest.mark.parametrize('nb', TABLE_NBS, ids=[p.name for p in TABLE_NBS])
def test_table_notebook(nb, tmp_path):
    from paper_subspace.reproduce import run_table
    out = run_table(nb.stem, profile='smoke', runs_dir=tmp_path/'runs',
                    extra={'results_dir': str(tmp_path/'results'), 'figures_dir': str(tmp_path/'figures')})
    assert out.exists()
    # every table notebook writes figures/<id>-<profile>.{csv,md,png} (`<id>.*` for the cpu profile)
    for ext in ('csv', 'md', 'png'):
        f = tmp_path/'figures'/f'{nb.stem}-smoke.{ext}'
        assert f.is_file() and f.stat().st_size > 0, f'{nb.name} (smoke profile) did not write {f.name}'

def _paper_first_error(table_id):
    """What stops a table's `paper` profile offline here: the CrossFit gym the ipt_* tables read before their backbone loads (not in the
    offline corpus), the GLUE sets from the Hub the traj_* tables read before theirs, else the Hub backbone (the profiles are data in
    the library; pt_baseline keeps its own)."""
    from paper_subspace.trajectory import PROFILES
    if table_id.startswith('ipt_'): return 'FileNotFoundError: No CrossFit data directory (no crossfit_dir argument, no $PAPER_SUBSPACE_CROSSFIT'
    hub = "HF_HUB_OFFLINE=1 is set (unset it to use the Hub). To work offline, use the embedded default (profile 'cpu'"
    if table_id.startswith('traj_'):  # their data first (`trajectory.check_data`), each GLUE task once
        return f"HubUnavailableError: {len(PROFILES['paper']['tasks'])} of {len(PROFILES['paper']['tasks'])} (task, seed) data sets this profile trains on cannot be read"
    return f"HubUnavailableError: Cannot load '{ {'pt_baseline': 'facebook/bart-base'}[table_id]}': it is not a local path and {hub}"  # a new table: say what stops it

@pytest.mark.parametrize('nb', TABLE_NBS, ids=[p.name for p in TABLE_NBS])
def test_table_paper_profile_fails_fast_offline(nb, tmp_path, monkeypatch):
    "Offline, a table's `paper` profile stops at the first thing it cannot reach (the CrossFit gym or the Hub) with the message that says so; nothing is trained or written."
    from paper_subspace.reproduce import run_table, TableError
    assert os.environ.get('HF_HUB_OFFLINE') == '1'  # conftest sets it, as CI does
    monkeypatch.delenv('PAPER_SUBSPACE_CROSSFIT', raising=False)  # a developer's own gym would let the ipt_* tables go on to the Hub
    for v in ('HF_HOME', 'HF_HUB_CACHE', 'HF_DATASETS_CACHE', 'TRANSFORMERS_CACHE'): monkeypatch.delenv(v, raising=False)
    monkeypatch.setenv('HF_HOME', str(tmp_path/'hf'))  # an empty Hugging Face cache: a paper backbone cached here would start a real paper run
    with pytest.raises(TableError) as e:
        run_table(nb.stem, profile='paper', runs_dir=tmp_path/'runs',
                  extra={'results_dir': str(tmp_path/'results'), 'figures_dir': str(tmp_path/'figures')})
    assert _paper_first_error(nb.stem) in str(e.value), str(e.value)
    assert (tmp_path/'runs'/f'{nb.stem}-paper.failed.ipynb').is_file()
    written = [p for d in ('results', 'figures') for p in (tmp_path/d).rglob('*') if p.is_file()]
    assert not written, f'{nb.name} (paper profile) wrote {written[:5]} before failing'

def test_pt_baseline_reads_its_data_first(tmp_path):
    "pt_baseline reads every (task, seed) set before its backbone loads: with no data there, one error names the sets and nothing is trained or written."
    from paper_subspace.reproduce import run_table, TableError
    (tmp_path/'data').mkdir()
    with pytest.raises(TableError) as e:
        run_table('pt_baseline', profile='smoke', runs_dir=tmp_path/'runs',
                  extra={'data_dir': str(tmp_path/'data'), 'results_dir': str(tmp_path/'results'), 'figures_dir': str(tmp_path/'figures')})
    assert 'FileNotFoundError: 1 of 1 (task, seed) data sets of this table cannot be read, so nothing was trained: sst2 (seed 13)' in str(e.value), str(e.value)
    written = [p for d in ('results', 'figures') for p in (tmp_path/d).rglob('*') if p.is_file()]
    assert not written, f'pt_baseline wrote {written[:5]} before failing'

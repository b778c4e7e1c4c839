"Cross-cutting checks of the project files."
import ast, configparser, os, shlex, re, subprocess, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def _settings():
    c = configparser.ConfigParser(delimiters=['=']); c.read(ROOT/'settings.ini'); return c['DEFAULT']

def test_environment_yml_matches_settings():
    s = _settings()
    want = set(shlex.split(s['requirements'])) | set(shlex.split(s['dev_requirements']))
    got = {l.strip()[2:].strip() for l in (ROOT/'environment.yml').read_text().splitlines()
           if re.match(r'\s+- [A-Za-z]', l) and '==' in l}
    assert got == want, f'environment.yml and settings.ini differ: only yml {got - want}, only ini {want - got}'

def test_requirements_are_pinned():
    for r in shlex.split(_settings()['requirements']): assert '==' in r, f'{r} is not pinned'

def _parameters_cells(nb): return [c for c in nb.cells if 'parameters' in c.get('metadata', {}).get('tags', [])]

def test_papermill_tags_survive_nbdev_clean(tmp_path):
    "Copies of the table notebooks, dirtied as Jupyter leaves them, go through `nbdev_clean` (the repository's settings.ini)."
    assert 'tags' in _settings()['allowed_cell_metadata_keys']
    nbs = sorted((ROOT/'nbs'/'tables').glob('*.ipynb'))
    assert nbs
    copies = tmp_path/'tables'; copies.mkdir()
    for nb in nbs:
        d = nbformat.read(str(nb), as_version=4)
        assert _parameters_cells(d), f'{nb.name} has no parameters tag'
        for c in d.cells:
            if c.cell_type == 'code': c.metadata['scrolled'] = True; c.execution_count = 7  # what cleaning removes
        d.metadata['papermill'] = {'duration': 1.0}
        nbformat.write(d, str(copies/nb.name))
    out = subprocess.run([str(Path(sys.executable).parent/'nbdev_clean'), '--fname', str(copies)], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and 'Failed to clean' not in out.stderr, out.stderr  # nbdev only warns on failure
    for nb in nbs:
        d = nbformat.read(str(copies/nb.name), as_version=4)
        assert 'papermill' not in d.metadata and all('scrolled' not in c.metadata for c in d.cells), f'nbdev_clean did not clean {nb.name}'
        assert all(c.execution_count is None for c in d.cells if c.cell_type == 'code'), nb.name
        assert len(_parameters_cells(d)) == 1, f'nbdev_clean removed the parameters tag of {nb.name}'

def test_readme_test_command_is_what_ci_runs():
    readme, ci = (ROOT/'README.md').read_text(), (ROOT/'.ci'/'run').read_text()
    cmd = 'python -m pytest tests -q'
    assert cmd in readme and cmd in ci

def test_cli_entry_point():
    out = subprocess.run([str(Path(sys.executable).parent/'paper-subspace'), 'reproduce', '--list'], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and 'pt_baseline' in out.stdout, out.stderr

def test_wheel_installs_the_whole_library(tmp_path):
    """`pip install` of the built wheel (what a user gets outside a checkout): every module of paper_subspace/ is in it,
    it imports from where it was installed (not from this checkout) and its console script runs. About 15 s."""
    import shutil
    src = tmp_path/'src'; src.mkdir()  # built from a copy: setuptools writes build/ and *.egg-info beside setup.py
    for f in ('setup.py', 'settings.ini', 'pyproject.toml', 'README.md'): shutil.copy(ROOT/f, src/f)
    shutil.copytree(ROOT/'paper_subspace', src/'paper_subspace', ignore=shutil.ignore_patterns('__pycache__'))
    pip = [sys.executable, '-m', 'pip']
    out = subprocess.run(pip + ['wheel', '-q', '--no-deps', '--no-build-isolation', '-w', str(tmp_path/'whl'), str(src)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    (whl,) = (tmp_path/'whl').glob('paper_subspace-*.whl')
    import zipfile
    names = set(zipfile.ZipFile(whl).namelist())
    want = {f'paper_subspace/{f.name}' for f in (ROOT/'paper_subspace').glob('*.py')}
    assert want <= names, f'the wheel lacks {sorted(want - names)}'
    assert any(n.endswith('entry_points.txt') for n in names)
    site = tmp_path/'site'
    out = subprocess.run(pip + ['install', '-q', '--no-deps', '--target', str(site), str(whl)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    code = ("import sys, paper_subspace, paper_subspace.trajectory, paper_subspace.intrinsic; from paper_subspace.cli import main; "
            "print(paper_subspace.__file__); sys.argv = ['paper-subspace', 'tasks']; main()")
    from paper_subspace.core import data_dir
    env = dict(os.environ, PYTHONPATH=str(site), PAPER_SUBSPACE_DATA=str(data_dir()), HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.splitlines()[0].startswith(str(site)), f'imported {out.stdout.splitlines()[0]}, not the installed wheel'
    assert 'sst2' in out.stdout

def test_papermill_reads_every_parameter():
    "papermill's parser skips (with only a log warning) a parameter line holding two '='; every name must come through."
    import ast
    from papermill.translators import PythonTranslator
    for nb in sorted((ROOT/'nbs'/'tables').glob('*.ipynb')):
        cell = next(c for c in nbformat.read(str(nb), as_version=4).cells if 'parameters' in c.get('metadata', {}).get('tags', []))
        want = {t.id for s in ast.parse(cell.source).body if isinstance(s, ast.Assign) for t in s.targets}
        got = {p.name for p in PythonTranslator.inspect(cell)}
        assert got == want, f'{nb.name}: papermill reads parameters {sorted(got)}, the cell assigns {sorted(want)}; keep one "=" per line'

def test_table_notebooks_fix_their_thread_count():
    "Every table notebook takes `threads` (what `reproduce --threads` sets) and applies it before any torch work: the CPU thread count changes low bits."
    import ast
    for nb in sorted((ROOT/'nbs'/'tables').glob('*.ipynb')):
        cells = [c for c in nbformat.read(str(nb), as_version=4).cells if c.cell_type == 'code']
        params = {t.id: s.value for s in ast.parse(cells[0].source).body if isinstance(s, ast.Assign) for t in s.targets}
        assert 'threads' in params and ast.literal_eval(params['threads']) == 2, f'{nb.name}: no `threads = 2` parameter'
        first = next(i for i, c in enumerate(cells) if 'torch.set_num_threads(threads)' in c.source)
        assert not any(k in c.source for c in cells[1:first] for k in ('load_backbone(', 'IPTExperiment(', 'train(')), f'{nb.name}: torch work before set_num_threads'

def test_module_notebook_imports_stand_alone():
    """The docs build (nbdev's `exec_show_docs`) executes every cell that contains an import, out of order: in a module
    notebook such a cell must hold imports only (or be exported), or it fails on test state defined in other cells."""
    bad = []
    for p in sorted((Path(__file__).resolve().parents[1]/'nbs').glob('[0-9]*.ipynb')):
        for c in nbformat.read(p, as_version=4).cells:
            lines = c.source.splitlines()
            if c.cell_type != 'code' or any(re.match(r'#\|\s*(export|exports|exporti|exec_doc)\b', l) for l in lines): continue
            stmts = ast.parse('\n'.join(l for l in lines if not l.lstrip().startswith(('%', '!')))).body
            if any(isinstance(n, (ast.Import, ast.ImportFrom)) for s in stmts for n in ast.walk(s)) and \
               any(not isinstance(s, (ast.Import, ast.ImportFrom)) for s in stmts):
                bad.append(f"{p.name}: {lines[0][:70]}")
    assert not bad, "cells mixing imports with other code (move the imports to the notebook's import cell):\n" + "\n".join(bad)

def test_readme_library_examples_run(tmp_path):
    """The README's "As a library" code blocks, run as written from an empty directory (as a user outside the checkout
    would, with the offline corpus named by $PAPER_SUBSPACE_DATA); then their objects are checked. About 2.5 min."""
    from paper_subspace.core import data_dir
    readme = (ROOT/'README.md').read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme[readme.index('As a library:'):], re.S)[:2]
    assert len(blocks) == 2 and 'msf_train' in blocks[1], 'the README lost its library examples'
    check = ("\nassert ae.d_I == 5 and ae_path.exists() and meta['best_step'] >= 0\n"
             "assert traj.complete and basis.exists() and full['status'] == rec['status'] == 'completed'\n"
             "print('README examples ok', rec['n_trainable'])\n")
    (tmp_path/'example.py').write_text('\n'.join(blocks) + check)
    env = dict(os.environ, PAPER_SUBSPACE_DATA=str(data_dir()), HF_HUB_OFFLINE='1', HF_DATASETS_OFFLINE='1')
    out = subprocess.run([sys.executable, 'example.py'], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0 and 'README examples ok' in out.stdout, out.stderr[-3000:]

def test_table_notebooks_write_outputs_once_at_the_end():
    "Every table notebook writes its csv, md and png with one `save_outputs` call at the end of its last code cell (after its checks; a table may be shown after it)."
    for nb in sorted((ROOT/'nbs'/'tables').glob('*.ipynb')):
        cells = [c for c in nbformat.read(str(nb), as_version=4).cells if c.cell_type == 'code']
        src = '\n'.join(c.source for c in cells)
        assert src.count('save_outputs(') == 1 and not re.search(r'atomic_write|savefig\(|to_csv\(|write_text\(', src), \
            f'{nb.name}: write the outputs only through one save_outputs call'
        body = ast.parse(cells[-1].source).body
        i = next((i for i, s in enumerate(body) if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
                  and getattr(s.value.func, 'id', None) == 'save_outputs'), None)
        assert i is not None and all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Name) for s in body[i + 1:]), \
            f'{nb.name}: save_outputs must end the last code cell (only a table shown after it)'

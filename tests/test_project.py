"Cross-cutting checks of the project files."
import configparser, shlex, re, subprocess, sys
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

def test_papermill_tags_survive_nbdev_clean():
    assert 'tags' in _settings()['allowed_cell_metadata_keys']
    for nb in (ROOT/'nbs'/'tables').glob('*.ipynb'):
        cells = nbformat.read(str(nb), as_version=4).cells
        assert any('parameters' in c.get('metadata', {}).get('tags', []) for c in cells), f'{nb.name} lost its parameters tag'

def test_readme_test_command_is_what_ci_runs():
    readme, ci = (ROOT/'README.md').read_text(), (ROOT/'.ci'/'run').read_text()
    cmd = 'python -m pytest tests -q'
    assert cmd in readme and cmd in ci

def test_cli_entry_point():
    out = subprocess.run([str(Path(sys.executable).parent/'paper-subspace'), 'reproduce', '--list'], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and 'pt_baseline' in out.stdout, out.stderr

def test_papermill_reads_every_parameter():
    "papermill's parser skips (with only a log warning) a parameter line holding two '='; every name must come through."
    import ast
    from papermill.translators import PythonTranslator
    for nb in sorted((ROOT/'nbs'/'tables').glob('*.ipynb')):
        cell = next(c for c in nbformat.read(str(nb), as_version=4).cells if 'parameters' in c.get('metadata', {}).get('tags', []))
        want = {t.id for s in ast.parse(cell.source).body if isinstance(s, ast.Assign) for t in s.targets}
        got = {p.name for p in PythonTranslator.inspect(cell)}
        assert got == want, f'{nb.name}: papermill reads parameters {sorted(got)}, the cell assigns {sorted(want)}; keep one "=" per line'

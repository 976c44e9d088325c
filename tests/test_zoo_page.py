"""The model-zoo page (configs/README.md) stays true to the configs on disk.

Every paper-scale config (configs/<dir>/**.py, not _base_, not *_demo*) has exactly one row; every
config a row names exists (a row marked "(being added)" may name one that does not, and must
lose the marker once it does); each command's GPU count is the N of the config's NxbM; and the
`mmkd measured` column holds no number without the command that produced it.
"""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = 'configs/README.md'
BEING_ADDED = '(being added)'
COMMAND = re.compile(
    r'^`(?P<tool>python tools/train\.py|tools/dist_train\.sh) (?P<config>configs/\S+\.py)'
    r'(?: (?P<gpus>\d+))?`$'
)
WORLD = re.compile(r'_(?P<n>\d+)xb(?P<m>\d+)-')


def paper_scale_configs(root: Path) -> set[str]:
    """Config files users train at paper scale: all but the task bases and the demos."""
    return {
        p.relative_to(root).as_posix()
        for p in (root / 'configs').glob('*/**/*.py')
        if '_base_' not in p.relative_to(root).parts and '_demo' not in p.name
    }


def table_rows(text: str) -> list[tuple[str, dict[str, str]]]:
    """(line, {header: cell}) for each body row of the tables that have a `command` column."""
    rows, header = [], None
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if not line.startswith('|'):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if header is None:
            is_header = i + 1 < len(lines) and lines[i + 1].startswith('|---')
            header = cells if is_header else []
        elif not line.startswith('|---') and 'command' in header:
            rows.append((line, dict(zip(header, cells))))
    return rows


def problems(text: str, root: Path) -> list[str]:
    """Everything the page says that the configs on disk contradict (empty: the page is right)."""
    found, seen = [], {}
    for line, row in table_rows(text):
        match = COMMAND.match(row.get('command', ''))
        if match is None:
            found.append(f'not a train command: {row.get("command")!r}')
            continue
        config = match['config']
        seen[config] = seen.get(config, 0) + 1
        exists = (root / config).is_file()
        if not exists and BEING_ADDED not in line:
            found.append(f'{config}: named on the page but not on disk')
        if exists and BEING_ADDED in line:
            found.append(f'{config}: exists now, drop its "{BEING_ADDED}" marker')
        world = WORLD.search(Path(config).name)
        if world is None:
            found.append(f'{config}: the name has no _<N>xb<M>- part')
        elif world['n'] == '1' and (match['tool'] != 'python tools/train.py' or match['gpus']):
            found.append(f'{config}: a 1-GPU config runs with python tools/train.py')
        elif world['n'] != '1' and (
            match['tool'] != 'tools/dist_train.sh' or match['gpus'] != world['n']
        ):
            found.append(f'{config}: written for {world["n"]} GPUs, the command says otherwise')
        measured = row.get('mmkd measured', '')
        if measured != 'not run yet' and not re.search(r'`[^`]*tools/[^`]+`', measured):
            found.append(
                f'{config}: "mmkd measured" is {measured!r}, neither "not run yet" nor '
                'a number with the command that produced it'
            )
    found += [f'{c}: {n} rows' for c, n in seen.items() if n > 1]
    found += [f'{c}: no row on the page' for c in sorted(paper_scale_configs(root) - set(seen))]
    return found


def test_zoo_page_matches_the_configs():
    assert problems((ROOT / PAGE).read_text(encoding='utf-8'), ROOT) == []


def test_problems_are_found(tmp_path):
    for name in ('kd/a_1xb64-1e_c.py', 'kd/b_4xb2-1k_c.py', 'kd/b_demo.py', 'new/c_8xb2-1k_c.py'):
        (tmp_path / 'configs' / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / 'configs' / name).write_text('')
    (tmp_path / 'configs/_base_').mkdir()
    (tmp_path / 'configs/_base_/seg_c.py').write_text('')
    page = '\n'.join(
        [
            '| method | command | mmkd measured |',
            '|---|---|---|',
            '| KD | `tools/dist_train.sh configs/kd/a_1xb64-1e_c.py 8` | 73.1 |',
            '| KD | `tools/dist_train.sh configs/kd/b_4xb2-1k_c.py 8`'
            ' | 75.0 (`tools/dist_train.sh configs/kd/b_4xb2-1k_c.py 4`) |',
            '| KD | `python tools/train.py configs/kd/gone_1xb64-1e_c.py` | not run yet |',
            '| (being added) | `python tools/train.py configs/kd/z_1xb64-1e_c.py` | not run yet |',
        ]
    )
    assert problems(page, tmp_path) == [
        'configs/kd/a_1xb64-1e_c.py: a 1-GPU config runs with python tools/train.py',
        'configs/kd/a_1xb64-1e_c.py: "mmkd measured" is \'73.1\', neither "not run yet" nor a '
        'number with the command that produced it',
        'configs/kd/b_4xb2-1k_c.py: written for 4 GPUs, the command says otherwise',
        'configs/kd/gone_1xb64-1e_c.py: named on the page but not on disk',
        'configs/new/c_8xb2-1k_c.py: no row on the page',
    ]
    (tmp_path / 'configs/kd/z_1xb64-1e_c.py').write_text('')
    assert problems(page, tmp_path)[-2] == (
        f'configs/kd/z_1xb64-1e_c.py: exists now, drop its "{BEING_ADDED}" marker'
    )

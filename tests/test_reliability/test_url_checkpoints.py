"""Checkpoints given as http(s) URLs: downloaded once into torch hub's cache, loaded safely.

Every URL here is served by a local HTTP server on 127.0.0.1 (a thread serving a temporary
directory and counting the requests per file); no test touches any other network.
"""

import glob
import hashlib
import http.server
import os
import os.path as osp
import socket
import threading
from collections import Counter
from typing import Iterator

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import MODELS, DefaultScope
from mmengine.runner.checkpoint import CheckpointLoader

from mmkd.engine import checkpoint as ckpt_module
from mmkd.engine.checkpoint import download_checkpoint, url_cache_path
from mmkd.utils import ConfigError
from tests.test_reliability.conftest import (
    CFG,
    CLS_KD,
    SEG_TEACHER,
    assert_one_line_error,
    data_options,
    iter_options,
    save_untrained,
    train,
)

CLS_TWO_TEACHERS = f'{CFG}/sfkd/cls_kd-sfkd_2teachers_demo.py'
DEPTH_AID_ADAPT = f'{CFG}/aid/depth_aid-adapt_demo.py'
HTML = b'<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body>login</body></html>\n'


class Server:
    """A directory served on 127.0.0.1, with the number of GET requests per file name."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.requests: Counter = Counter()
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=root, **kwargs)

            def do_GET(self):
                requests[self.path.lstrip('/')] += 1
                super().do_GET()

            def log_message(self, *args):  # keep the test output clean
                pass

        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f'http://127.0.0.1:{self.httpd.server_port}/{name}'

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path, monkeypatch) -> Iterator[Server]:
    """The server, torch hub's cache in the test's own directory (TORCH_HOME), and no proxy
    between the tests and 127.0.0.1 (urllib would send the request to a configured proxy)."""
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    for name in ('http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'all_proxy'):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('no_proxy', '127.0.0.1,localhost')
    root = tmp_path / 'served'
    root.mkdir()
    srv = Server(str(root))
    yield srv
    srv.close()


def cached_files() -> list:
    """Every file in torch hub's checkpoint cache (partial downloads included)."""
    folder = osp.join(torch.hub.get_dir(), 'checkpoints')
    return sorted(os.listdir(folder)) if osp.isdir(folder) else []


def cls_kd_cfg(teacher_ckpt: str) -> Config:
    cfg = Config.fromfile(CLS_KD)
    cfg.model.teacher_ckpt = teacher_ckpt
    return cfg


def build(cfg: Config):
    with DefaultScope.overwrite_default_scope(cfg.default_scope):
        return MODELS.build(cfg.model)


def save_model(model_cfg: dict, scope: str, path: str) -> dict:
    """An untrained model saved as an upstream (MMEngine) checkpoint; returns its weights."""
    with DefaultScope.overwrite_default_scope(scope):
        model = MODELS.build(model_cfg)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return model.state_dict()


def test_teacher_url_is_downloaded_once_and_loaded(server):
    cfg = cls_kd_cfg(server.url('teacher.pth'))
    saved = save_model(cfg.model.teacher, cfg.default_scope, f'{server.root}/teacher.pth')

    distiller = build(cfg)
    loaded = distiller.teacher.state_dict()
    assert loaded.keys() == saved.keys()
    assert all(torch.equal(loaded[k], saved[k]) for k in saved)
    cache = url_cache_path(server.url('teacher.pth'))
    assert cache == osp.join(os.environ['TORCH_HOME'], 'hub', 'checkpoints', 'teacher.pth')
    assert cached_files() == ['teacher.pth']
    assert server.requests['teacher.pth'] == 1

    build(cls_kd_cfg(server.url('teacher.pth')))  # a second run reads the cache
    assert server.requests['teacher.pth'] == 1


def test_teachers_dict_and_aid_checkpoints_take_urls(server):
    """``teachers=dict(name=dict(ckpt=URL))`` and AID's teacher / reference student."""
    cfg = Config.fromfile(CLS_TWO_TEACHERS)
    saved = {}
    for name, spec in cfg.model.teachers.items():
        saved[name] = save_model(spec.model, cfg.default_scope, f'{server.root}/{name}.pth')
        spec.ckpt = server.url(f'{name}.pth')
    distiller = build(cfg)
    for name, weights in saved.items():
        state = distiller.teachers[name].state_dict()
        assert all(torch.equal(state[k], weights[k]) for k in weights)

    aid = Config.fromfile(DEPTH_AID_ADAPT)
    teacher = save_model(aid.model.teacher, aid.default_scope, f'{server.root}/depth_t.pth')
    student = save_model(aid.model.reference_student, aid.default_scope, f'{server.root}/ref.pth')
    aid.model.teacher_ckpt = server.url('depth_t.pth')
    aid.model.reference_student_ckpt = server.url('ref.pth')
    adapter = build(aid)
    for model, weights in ((adapter.teacher, teacher), (adapter.reference_student, student)):
        state = model.state_dict()
        assert all(torch.equal(state[k], weights[k]) for k in weights)
    assert server.requests == Counter({f'{n}.pth': 1 for n in [*saved, 'depth_t', 'ref']})


def test_html_page_is_refused_and_not_cached(server):
    with open(f'{server.root}/login.pth', 'wb') as f:
        f.write(HTML)
    url = server.url('login.pth')
    with pytest.raises(ConfigError) as err:
        build(cls_kd_cfg(url))
    message = str(err.value)
    assert '\n' not in message
    assert url in message and 'an HTML page' in message and 'not a PyTorch checkpoint' in message
    assert 'local path' in message
    assert cached_files() == []  # neither the page nor a partial download is left
    with pytest.raises(ConfigError, match='an HTML page'):  # and the next run asks again
        build(cls_kd_cfg(url))
    assert server.requests['login.pth'] == 2


@pytest.mark.parametrize('reachable', [True, False], ids=['404', 'connection-refused'])
def test_unreachable_url_says_to_download_by_hand(server, reachable):
    if reachable:
        url = server.url('missing.pth')
    else:
        with socket.socket() as sock:  # a port nobody listens on
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        url = f'http://127.0.0.1:{port}/missing.pth'
    with pytest.raises(ConfigError) as err:
        build(cls_kd_cfg(url))
    message = str(err.value)
    assert '\n' not in message
    assert f"teacher checkpoint '{url}' could not be downloaded" in message
    assert 'HTTP 404' in message if reachable else 'refused' in message
    assert 'Download it by hand' in message and 'local path' in message
    assert url_cache_path(url) in message  # where a copied file is found without a config change
    assert cached_files() == []


def test_zoo_file_of_another_architecture_names_the_url(server):
    cfg = cls_kd_cfg(server.url('student.pth'))
    save_model(cfg.model.student, cfg.default_scope, f'{server.root}/student.pth')  # ResNet-8
    with pytest.raises(ConfigError) as err:
        build(cfg)  # the teacher is a ResNet-20
    message = str(err.value)
    assert f"teacher checkpoint '{server.url('student.pth')}' does not fit" in message
    assert 'missing in checkpoint' in message and '\n' not in message

    assert server.requests['student.pth'] == 1


def test_sha256_in_the_file_name_is_verified(server):
    cfg = cls_kd_cfg(None)
    save_model(cfg.model.teacher, cfg.default_scope, f'{server.root}/t.pth')
    digest = hashlib.sha256(open(f'{server.root}/t.pth', 'rb').read()).hexdigest()
    n = next(n for n in range(8, 65) if not digest[:n].isdigit())  # digits only: not a hash
    good, bad = f'teacher_20200606_112211-{digest[:n]}.pth', 'teacher_20200606_112211-deadbeef.pth'
    for name in (good, bad):
        os.link(f'{server.root}/t.pth', f'{server.root}/{name}')

    assert download_checkpoint(server.url(good), 'teacher') == url_cache_path(server.url(good))
    with pytest.raises(ConfigError) as err:
        download_checkpoint(server.url(bad), 'teacher')
    message = str(err.value)
    assert server.url(bad) in message and f'sha256 {digest[:12]}' in message
    assert '-deadbeef' in message and 'nothing was cached' in message
    assert cached_files() == [good]


class NotWeights:
    """An object a weights_only load refuses (unpickling it could run code)."""


def test_mmengine_loads_urls_with_weights_only(server):
    """MMEngine's own http(s) loader (torch hub's load_state_dict_from_url) unpickles with
    weights_only=False; ``load_from`` / ``--resume`` URLs go through mmkd's safe loader."""
    torch.save({'state_dict': {'w': torch.ones(1)}, 'extra': NotWeights()}, f'{server.root}/x.pth')
    with pytest.raises(ConfigError) as err:
        CheckpointLoader.load_checkpoint(server.url('x.pth'))
    assert f"'{server.url('x.pth')}' (cached as" in str(err.value)
    assert 'NotWeights' in str(err.value) and 'could not be read' in str(err.value)


def test_a_failed_download_on_rank_0_does_not_leave_the_other_ranks_waiting(server, monkeypatch):
    """Rank 0 raises only after the barrier the other ranks wait at."""
    calls = []
    monkeypatch.setattr(ckpt_module, 'get_dist_info', lambda: (0, 2))
    monkeypatch.setattr(ckpt_module, 'barrier', lambda: calls.append('barrier'))
    with pytest.raises(ConfigError, match='could not be downloaded'):
        download_checkpoint(server.url('missing.pth'), 'teacher')
    assert calls == ['barrier']


def test_load_from_url_through_tools_train(server, data_root, tmp_path):
    """tools/train.py fine-tunes from a URL: downloaded once (the checkpoint check and MMEngine's
    own loading share the cache), then a wrong one stops with the URL named."""
    save_untrained(SEG_TEACHER, f'{server.root}/seg.pth')
    options = data_options(data_root, 'cityscapes') + iter_options(1)
    train(SEG_TEACHER, f'{tmp_path}/run', options + [f'load_from={server.url("seg.pth")}'])
    assert server.requests['seg.pth'] == 1
    assert cached_files() == ['seg.pth']
    (log_file,) = _logs(f'{tmp_path}/run')
    log = open(log_file).read()
    assert f'Load checkpoint from {server.url("seg.pth")}' in log

    cfg = cls_kd_cfg(None)
    save_model(cfg.model.student, cfg.default_scope, f'{server.root}/cls.pth')
    proc = train(
        SEG_TEACHER,
        f'{tmp_path}/wrong',
        options + [f'load_from={server.url("cls.pth")}'],
        expect_ok=False,
    )
    assert_one_line_error(proc, f"load_from checkpoint '{server.url('cls.pth')}' does not fit")


def _logs(work_dir: str) -> list:
    return glob.glob(osp.join(work_dir, '*', '*.log'))

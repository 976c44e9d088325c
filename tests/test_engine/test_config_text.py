"""mmkd formats a config's text once per process: same text as MMEngine's, yapf run once."""

import mmengine.config.config as mmengine_config
from mmengine.config import Config
from yapf.yapflib.yapf_api import FormatCode

import mmkd  # noqa: F401  (installs the cache)
from mmkd.engine import memoize_config_formatting


def test_pretty_text_is_yapfs_text_and_is_formatted_once(monkeypatch):
    calls = []

    def counting_format(source, style_config=None, **options):
        calls.append(source)
        return FormatCode(source, style_config=style_config, **options)

    monkeypatch.setattr(mmengine_config, 'FormatCode', counting_format)
    unmemoized = Config(dict(model=dict(type='Net', depth=18), lr=0.01)).pretty_text
    assert len(calls) == 1

    memoize_config_formatting()
    memoize_config_formatting()  # idempotent: one cache, not two
    cfg = Config(dict(model=dict(type='Net', depth=18), lr=0.01))
    texts = [cfg.pretty_text for _ in range(5)]
    assert texts == [unmemoized] * 5
    assert len(calls) == 2  # one more yapf run for the five reads
    assert 'depth=18' in unmemoized and "type='Net'" in unmemoized


def test_a_changed_config_is_formatted_anew(monkeypatch):
    monkeypatch.setattr(mmengine_config, 'FormatCode', FormatCode)
    memoize_config_formatting()
    cfg = Config(dict(model=dict(type='Net', depth=18)))
    before = cfg.pretty_text
    cfg.model.depth = 34
    after = cfg.pretty_text
    assert 'depth=18' in before and 'depth=34' in after
    assert mmengine_config.FormatCode.cache_info().misses == 2


def test_a_style_object_is_formatted_every_time(monkeypatch):
    """yapf also takes a style built by yapf itself (set-valued keys: no JSON key to cache by):
    formatted as MMEngine would, uncached."""
    from yapf.yapflib import style

    monkeypatch.setattr(mmengine_config, 'FormatCode', FormatCode)
    memoize_config_formatting()
    pep8 = style.CreatePEP8Style()
    before = mmengine_config.FormatCode.cache_info()
    text, changed = mmengine_config.FormatCode('x = dict(a=1,b=2)', style_config=pep8)
    assert (text, changed) == FormatCode('x = dict(a=1,b=2)', style_config=pep8)
    assert text == 'x = dict(a=1, b=2)\n'
    assert mmengine_config.FormatCode.cache_info() == before  # neither a hit nor a miss

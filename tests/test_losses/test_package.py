"""A new loss (or target transform) is one file: the package's ``__init__`` imports every module
in it, so the file's ``@MODELS.register_module()`` runs without an import line; a broken file
fails the import instead of being skipped."""

import importlib
import importlib.util
import sys
import textwrap

import pytest

from mmkd.registry import MODELS

PACKAGES = ['mmkd.models.losses', 'mmkd.models.target_transforms']

NEW_MODULE = """
import torch.nn as nn

from mmkd.models.losses.base import DistillLoss
from mmkd.registry import MODELS


@MODELS.register_module()
class {name}(DistillLoss):
    def forward(self, student, teacher):
        return self.loss_weight * (student - teacher.detach()).abs().mean()
"""


@pytest.fixture
def registry(monkeypatch):
    """MODELS, with whatever the test registers dropped afterwards."""
    monkeypatch.setattr(MODELS, '_module_dict', dict(MODELS._module_dict))
    return MODELS


def run_package_init(package: str, extra_dir: str, monkeypatch) -> None:
    """Execute ``package``'s real ``__init__.py`` again, as a fresh package whose directory also
    holds the files in ``extra_dir`` (its own modules are already imported and stay as they
    are)."""
    original = importlib.import_module(package)
    spec = importlib.util.spec_from_file_location(
        package, original.__file__, submodule_search_locations=[*original.__path__, extra_dir]
    )
    fresh = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, package, fresh)
    spec.loader.exec_module(fresh)


@pytest.mark.parametrize('package', PACKAGES)
def test_a_new_file_is_registered_without_editing_init(package, registry, tmp_path, monkeypatch):
    name = f'DroppedIn{package.rsplit(".", 1)[-1].title().replace("_", "")}'
    (tmp_path / 'dropped_in.py').write_text(textwrap.dedent(NEW_MODULE.format(name=name)))
    assert registry.get(name) is None
    try:
        run_package_init(package, str(tmp_path), monkeypatch)
        assert f'{package}.dropped_in' in sys.modules
    finally:
        sys.modules.pop(f'{package}.dropped_in', None)
    loss = registry.build(dict(type=f'mmkd.{name}', loss_weight=2.0))
    assert type(loss).__name__ == name and loss.loss_weight == 2.0


@pytest.mark.parametrize('package', PACKAGES)
def test_a_broken_file_fails_the_import(package, tmp_path, monkeypatch):
    (tmp_path / 'broken.py').write_text("raise ImportError('a dependency of broken.py')\n")
    try:
        with pytest.raises(ImportError, match='a dependency of broken.py'):
            run_package_init(package, str(tmp_path), monkeypatch)
    finally:
        sys.modules.pop(f'{package}.broken', None)

"""Safe loading of MMEngine checkpoints on torch >= 2.6, without weights_only=False."""

import io
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from torch import nn

from mmkd.engine.checkpoint import extract_state_dict, load_model_weights
from mmkd.utils import ConfigError


def mmengine_like_checkpoint() -> dict:
    """What MMEngine's Runner saves besides weights: a message hub with HistoryBuffers
    (pickled with getattr), numpy arrays, numpy scalars and dtypes."""
    hub = MessageHub.get_instance('test_checkpoint')
    for value in (1.0, 0.5, 0.25):
        hub.update_scalar('train/loss', value)
    hub.update_info('last_ckpt', '/tmp/iter_2.pth')
    return {
        'meta': {
            'seed': 0,
            'np_scalar': np.float64(1.5),
            'np_int': np.int64(3),
            'array': np.arange(3, dtype=np.float32),
        },
        'state_dict': {'w': torch.ones(2)},
        'message_hub': hub.state_dict(),
    }


def test_mmengine_checkpoints_load_with_weights_only():
    buffer = io.BytesIO()
    torch.save(mmengine_like_checkpoint(), buffer)
    buffer.seek(0)
    loaded = torch.load(buffer, weights_only=True)
    hub = MessageHub.get_instance('test_checkpoint_loaded')
    hub.load_state_dict(loaded['message_hub'])
    assert hub.get_scalar('train/loss').mean() == pytest.approx(1.75 / 3)
    assert hub.get_info('last_ckpt') == '/tmp/iter_2.pth'
    assert loaded['meta']['np_scalar'] == 1.5 and loaded['meta']['array'].tolist() == [0, 1, 2]


class _Exploit:
    """A pickle that uses getattr to climb from an allowed class to arbitrary objects."""

    def __reduce__(self):
        return getattr, (np.dtype, '__class__')


def test_getattr_is_only_allowed_for_history_buffer_statistics():
    buffer = io.BytesIO()
    torch.save({'x': _Exploit()}, buffer)
    buffer.seek(0)
    with pytest.raises(pickle.UnpicklingError, match='refusing getattr'):
        torch.load(buffer, weights_only=True)


def test_distiller_checkpoint_reads_as_a_student_checkpoint(tmp_path):
    model = nn.Linear(2, 3)
    state = {f'student.{k}': v for k, v in model.state_dict().items()}
    state['terms.fit.connector.proj.weight'] = torch.zeros(1)
    torch.save({'state_dict': state, 'meta': {}}, tmp_path / 'kd.pth')
    other = nn.Linear(2, 3)
    load_model_weights(other, str(tmp_path / 'kd.pth'), 'teacher')
    assert torch.equal(other.weight, model.weight)
    assert list(extract_state_dict({'state_dict': {'module.a': 1}})) == ['a']


def test_mismatching_checkpoint_names_keys_and_fix(tmp_path):
    torch.save({'state_dict': nn.Linear(2, 4).state_dict()}, tmp_path / 'wide.pth')
    with pytest.raises(
        ConfigError,
        match=r'shape mismatch: weight: checkpoint \(4, 2\) vs '
        r'model \(3, 2\)',
    ):
        load_model_weights(nn.Linear(2, 3), str(tmp_path / 'wide.pth'), 'teacher')

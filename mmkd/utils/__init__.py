from .errors import ConfigError, check_known_kwargs, close_names, did_you_mean, unknown_keys_error
from .plain import is_plain

__all__ = [
    'ConfigError',
    'check_known_kwargs',
    'close_names',
    'did_you_mean',
    'unknown_keys_error',
    'is_plain',
]

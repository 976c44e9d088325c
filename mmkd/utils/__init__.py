from .errors import ConfigError, check_known_kwargs, close_names, did_you_mean, unknown_keys_error

__all__ = ["ConfigError", "check_known_kwargs", "close_names", "did_you_mean", "unknown_keys_error"]

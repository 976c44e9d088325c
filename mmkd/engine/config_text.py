"""A config's text is formatted once per process, not once per use.

MMEngine's ``Config.pretty_text`` runs yapf over the whole config every time it is read, about
1 s of CPU for a demo config, and one training run reads it five times (the dumped config, two
log lines, the runtime info, each checkpoint's meta): a quarter of a short run's CPU time, and of
every tool's start-up. The same unformatted text always formats to the same result, so
:func:`memoize_config_formatting` puts a small cache in front of yapf's ``FormatCode`` as MMEngine
calls it; the text MMEngine gets is unchanged.
"""

import functools
import json
from typing import Any, Callable, Tuple

import mmengine.config.config as mmengine_config


def memoize_config_formatting() -> None:
    """Cache MMEngine's yapf formatting by (text, style) (idempotent)."""
    original = mmengine_config.FormatCode
    if getattr(original, 'memoized_by_mmkd', False):
        return
    mmengine_config.FormatCode = _memoized(original)


def _memoized(format_code: Callable[..., Tuple[str, bool]]) -> Callable[..., Tuple[str, bool]]:
    @functools.lru_cache(maxsize=32)
    def formatted(source: str, style: str, options: str) -> Tuple[str, bool]:
        return format_code(source, style_config=json.loads(style), **json.loads(options))

    def memoized(source: str, style_config: Any = None, **options: Any) -> Tuple[str, bool]:
        try:
            style, extra = json.dumps(style_config, sort_keys=True), json.dumps(options)
        except TypeError:  # a style yapf takes that is not plain data: format it every time
            return format_code(source, style_config=style_config, **options)
        return formatted(source, style, extra)

    memoized.memoized_by_mmkd = True  # type: ignore[attr-defined]
    memoized.cache_info = formatted.cache_info  # type: ignore[attr-defined]
    return memoized

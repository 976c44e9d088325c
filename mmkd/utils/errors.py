"""Errors that name the problem and the fix, instead of a deep traceback."""

import difflib
from typing import Any, Iterable, List, Mapping


class ConfigError(ValueError):
    """A config value mmkd cannot use; the message says what to change."""


def close_names(name: str, candidates: Iterable[str], n: int = 5) -> List[str]:
    """The valid names closest to a misspelt one (for 'did you mean' hints)."""
    candidates = list(candidates)
    matches = difflib.get_close_matches(name, candidates, n=n, cutoff=0.5)
    if not matches:  # fall back to names sharing the last path component
        tail = name.rsplit('.', 1)[-1]
        matches = [c for c in candidates if c.rsplit('.', 1)[-1] == tail][:n]
    return matches


def did_you_mean(name: str, candidates: Iterable[str]) -> str:
    matches = close_names(name, candidates)
    return f' Did you mean: {", ".join(repr(m) for m in matches)}?' if matches else ''


def check_known_kwargs(target: Any, kwargs: Mapping[str, Any], where: str) -> None:
    """Raise a ConfigError for keys that ``target``'s constructor does not accept.

    MMEngine would otherwise fail with a bare ``TypeError`` from deep inside the build. A
    constructor's ``**kwargs`` are followed up the class hierarchy (a loss hands
    ``loss_weight`` to :class:`mmkd.models.losses.DistillLoss`); where they go anywhere else,
    nothing is checked.
    """
    # config_check imports this module, so its MRO walk is imported here, when first used
    from mmkd.utils.config_check import accepted_keys

    valid = accepted_keys(target)
    if valid is None:
        return
    unknown = [k for k in kwargs if k not in valid]
    if unknown:
        raise unknown_keys_error(where, getattr(target, '__name__', str(target)), unknown, valid)


def unknown_keys_error(
    where: str, owner: str, unknown: Iterable[str], valid: Iterable[str]
) -> ConfigError:
    """The error for config keys a component does not know, with the closest valid names."""
    valid = list(valid)
    unknown = list(unknown)
    hints = ''.join(f'\n  {k!r}:{did_you_mean(k, valid) or " no close match."}' for k in unknown)
    return ConfigError(
        f'{where}: unknown key(s) {unknown} for {owner}.{hints}\nValid keys: {", ".join(valid)}.'
    )

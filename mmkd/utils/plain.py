"""What may go into a checkpoint's meta that upstream tools load with torch's safe default."""

from typing import Any


def is_plain(value: Any) -> bool:
    """True for None, str, int, float, bool and lists/tuples/str-keyed dicts of them: what
    ``torch.load(weights_only=True)`` reads without any allow-listed type."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False

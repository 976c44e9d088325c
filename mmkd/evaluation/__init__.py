"""Evaluation helpers (metrics registered in mmkd's METRICS)."""

from .json_predictions import JSONPredictions

__all__ = ['JSONPredictions']

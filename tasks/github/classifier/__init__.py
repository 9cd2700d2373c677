"""Failure classification: patterns per tool (data) and a small scoring step."""

from tasks.github.classifier.scoring import Classification, KeyLine, classify

__all__ = ["Classification", "KeyLine", "classify"]

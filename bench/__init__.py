"""Benchmarks for the article bot: warm and cold latency, scaling, end to end.

Run them all with ``python -m bench`` (see ``bench/__main__.py`` and docs/benchmarks.md).
"""

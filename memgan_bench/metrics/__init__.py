"""Metric maths, called by the plugins of :mod:`memgan_bench.plugins`, and the table of metric names."""

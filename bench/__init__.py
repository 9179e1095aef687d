"""Benchmarks: a scale data generator (bench.generate) and the measurements (bench.run).

`make bench` runs `python -m bench.run`; see the README's "Performance" section.
"""

"""Benchmarks: language identification, REST latency and throughput, training time."""

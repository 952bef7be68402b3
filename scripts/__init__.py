"""Project tooling run by make targets: checks, evaluation, and the servers the tests and benchmarks start."""

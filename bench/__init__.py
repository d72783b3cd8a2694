"""Benchmarks of the service (bench/README.md); bench/harness.py holds the shared method."""

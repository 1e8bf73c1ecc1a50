"""The benchmark harness behind ``make bench``: load generation and metrics."""

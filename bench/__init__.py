"""The benchmarks (`make bench-*`, README "Benchmarks"): scripts the Makefile runs, and
what they share (`loading`)."""

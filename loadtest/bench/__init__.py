"""The benchmark behind `make bench`: orchestrator (run), load generator, dialects, wire client, report, profiling."""

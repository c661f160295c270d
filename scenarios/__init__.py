"""Scenarios: one module each, registered with ``@SCENARIOS.register("name")`` (:mod:`memgan_bench.registry`);
the base types live in :mod:`memgan_bench.scenario`."""

"""Test configuration: hypothesis runs derandomized (a fixed seed), so CI is repeatable."""

from hypothesis import HealthCheck, settings

settings.register_profile(
    "adcompile", derandomize=True, deadline=None, max_examples=40,
    suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("adcompile")

"""GAN methods. Each module registers its class with ``@METHODS.register("name")``."""

from memgan_bench.registry import Registry
from methods.base import Batch, GANMethod, LatentSpec

METHODS: Registry[type[GANMethod]] = Registry("method", ("methods",))

__all__ = ["METHODS", "Batch", "GANMethod", "LatentSpec"]

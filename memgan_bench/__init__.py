"""memgan_bench: a benchmark harness for GAN memory methods (MemoryGAN and baselines)."""

__version__ = "0.1.0"

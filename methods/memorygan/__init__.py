"""MemoryGAN (Kim, Kim & Kim, ICLR 2018): discriminative vMF memory (DMN), memory-conditional generator
(MCGN) and the mutual-information term, in ``paper`` and ``official``-code fidelity modes."""

from methods.memorygan.memory import VMFMemory
from methods.memorygan.model import MemoryGAN

__all__ = ["MemoryGAN", "VMFMemory"]

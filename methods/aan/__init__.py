"""Associative adversarial networks (Arici & Celikyilmaz 2016): a spin RBM on a tapped discriminator layer
feeds the generator (``model.py``; the RBM in ``rbm.py``)."""

from methods.aan.model import AAN
from methods.aan.rbm import SpinRBM

__all__ = ["AAN", "SpinRBM"]

"""Evaluation metrics; the ones run during training are plugins registered in this package."""

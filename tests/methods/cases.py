"""Every registered method × each of its ``tiny_configs()``: the cases of every all-methods test. A new
method module (with its config) is picked up here, with no test file edited."""

from __future__ import annotations

import torch

from memgan_bench.data.base import DataSpec, ImageData
from memgan_bench.method import Batch, GANMethod
from memgan_bench.registry import METHODS
from memgan_bench.scenario import Experience
from memgan_bench.typed import build

IMAGE_SHAPE = (1, 28, 28)
NUM_CLASSES = 4


def method_cases() -> list[tuple[str, str, dict]]:
    """(method, variant, model overrides) for every registered method and tiny config."""
    return [(name, variant, overrides) for name in METHODS.names()
            for variant, overrides in METHODS.get(name).tiny_configs().items()]


def case_ids(cases) -> list[str]:
    return [f"{name}-{variant}" for name, variant, _ in cases]


def toy_images(n_per_class: int = 24, seed: int = 0) -> ImageData:
    generator = torch.Generator().manual_seed(seed)
    labels = torch.arange(NUM_CLASSES).repeat_interleave(n_per_class)
    images = torch.rand(len(labels), *IMAGE_SHAPE, generator=generator) * 2 - 1
    return ImageData("toy", images, labels, [f"c{k}" for k in range(NUM_CLASSES)])


def toy_stream(data: ImageData) -> list[Experience]:
    """Two experiences: classes {0, 1}, then {2, 3}."""
    return [Experience(0, (0, 1), (0, 1), data.of_classes([0, 1]), data.of_classes([0, 1])),
            Experience(1, (2, 3), (0, 1, 2, 3), data.of_classes([2, 3]), data)]


def build_tiny(name: str, overrides: dict) -> GANMethod:
    cls = METHODS.get(name)
    cfg = build(cls.Config, overrides, "model")
    cls.check_config(cfg, None)
    return cls(cfg, DataSpec(IMAGE_SHAPE, NUM_CLASSES))


def in_second_experience(method: GANMethod, data: ImageData) -> Experience:
    """Run the method's hooks through the first experience into the second (replay, frozen parts active)."""
    first, second = toy_stream(data)
    method.on_experience_start(first)
    method.on_experience_end(first)
    method.on_experience_start(second)
    return second


def first_batch(method: GANMethod, experience: Experience, batch_size: int = 8, step: int = 0) -> Batch:
    return method.batch_schedule(experience, batch_size, seed=0, device=torch.device("cpu")).batch(step)

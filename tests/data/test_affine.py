"""Affine digits (MemoryGAN App. B.2): known placements, bounded rotation, determinism, ink preserved."""

import pytest
import torch

from memgan_bench.data import load_dataset

from memgan_bench.data.affine import affine_place, random_affine
from memgan_bench.data.base import split_generator
from memgan_bench.errors import UserError
from memgan_bench.registry import DATASETS


def ink(images):
    return (images + 1.0).sum(dim=(1, 2, 3))


def orientation_deg(images):
    """Principal-axis angle (degrees, counter-clockwise as displayed) of each image's ink."""
    weight = (images + 1.0)[:, 0]
    rows = torch.arange(weight.shape[1], dtype=torch.float32).view(1, -1, 1)
    cols = torch.arange(weight.shape[2], dtype=torch.float32).view(1, 1, -1)
    mass = weight.sum(dim=(1, 2))
    x = cols - ((weight * cols).sum(dim=(1, 2)) / mass).view(-1, 1, 1)
    y = -(rows - ((weight * rows).sum(dim=(1, 2)) / mass).view(-1, 1, 1))
    sxx, syy, sxy = [(weight * t).sum(dim=(1, 2)) / mass for t in (x * x, y * y, x * y)]
    return torch.rad2deg(0.5 * torch.atan2(2 * sxy, sxx - syy))


def horizontal_bar(n=1):
    image = torch.full((n, 1, 28, 28), -1.0)
    image[:, :, 13:15, 4:24] = 1.0
    return image


def test_zero_angle_places_the_image_unchanged_at_its_offset():
    source = load_dataset("mnist-5k", "test", None, 0).images[:4]
    offsets = torch.tensor([[0, 0], [12, 12], [0, 12], [5, 3]])
    placed = affine_place(source, torch.zeros(4), offsets)
    assert placed.shape == (4, 1, 40, 40)
    for image, original, (row, col) in zip(placed, source, offsets.tolist()):
        assert torch.allclose(image[:, row:row + 28, col:col + 28], original, atol=1e-5)
        outside = image.clone()
        outside[:, row:row + 28, col:col + 28] = -1.0
        assert torch.all(outside == -1.0)


def test_quarter_turn_equals_rot90_counter_clockwise():
    source = load_dataset("mnist-5k", "test", None, 0).images[:3]
    placed = affine_place(source, torch.full((3,), 90.0), torch.full((3, 2), 6))
    assert torch.allclose(placed[:, :, 6:34, 6:34], torch.rot90(source, 1, dims=(2, 3)), atol=1e-5)


@pytest.mark.parametrize("angle", [-20.0, -7.5, 13.0, 20.0])
def test_bar_turns_by_the_requested_angle(angle):
    placed = affine_place(horizontal_bar(), torch.tensor([angle]), torch.tensor([[6, 6]]))
    assert orientation_deg(placed).item() == pytest.approx(angle, abs=1.0)


def test_random_rotation_stays_within_20_degrees_and_uses_the_range():
    bars = horizontal_bar(2000)
    placed, angles, offsets = random_affine(bars, torch.Generator().manual_seed(0))
    measured = orientation_deg(placed)
    assert measured.abs().max().item() <= 21.0
    assert torch.allclose(measured, angles, atol=1.0)
    assert angles.min().item() < -19.0 and angles.max().item() > 19.0
    assert offsets.min().item() == 0 and offsets.max().item() == 12
    assert torch.allclose(ink(placed), ink(bars), rtol=0.02)


def test_affine_mnist_5k_is_deterministic_per_seed_and_split():
    first = load_dataset("affine-mnist-5k", "train", None, 0)
    again = DATASETS.get("affine-mnist-5k")("train", None, 0)
    other_seed = load_dataset("affine-mnist-5k", "train", None, 1)
    assert first.images.shape == (4000, 1, 40, 40) and first.images.dtype == torch.float32
    assert torch.equal(first.images, again.images)
    assert not torch.equal(first.images, other_seed.images)
    test_source = load_dataset("mnist-5k", "test", None, 0).images
    test = load_dataset("affine-mnist-5k", "test", None, 0)
    assert torch.equal(test.images, random_affine(test_source, split_generator(0, "test"))[0])
    assert not torch.equal(test.images, random_affine(test_source, split_generator(0, "train"))[0])
    assert torch.equal(first.labels, load_dataset("mnist-5k", "train", None, 0).labels)
    assert first.name == "affine-mnist-5k"


def test_affine_digits_keep_their_ink_and_range():
    source = load_dataset("mnist-5k", "train", None, 0)
    placed = load_dataset("affine-mnist-5k", "train", None, 0)
    assert torch.allclose(ink(placed.images), ink(source.images), rtol=0.02)
    assert placed.images.min().item() == -1.0 and placed.images.max().item() <= 1.0
    assert placed.images.max().item() > 0.99
    border = torch.cat([placed.images[:, :, 0], placed.images[:, :, -1]], 2)
    assert (border == -1.0).float().mean().item() > 0.9


def test_affine_fashion_mnist_test_split_shape_and_ink():
    source = load_dataset("fashion-mnist", "test", None, 0)
    placed = load_dataset("affine-fashion-mnist", "test", None, 0)
    assert placed.images.shape == (10000, 1, 40, 40)
    ratio = ink(placed.images) / ink(source.images)
    assert ratio.mean().item() == pytest.approx(1.0, abs=0.01)
    assert ratio.min().item() > 0.85
    assert placed.class_names == source.class_names


def test_affine_mnist_needs_the_user_mnist_files(tmp_path):
    with pytest.raises(UserError, match="mnist-5k"):
        load_dataset("affine-mnist", "train", str(tmp_path), 0)

import torch

from memgan_bench.data.base import ImageData
from memgan_bench.engine.batching import BatchSchedule


def toy(n=10):
    return ImageData("toy", torch.arange(n, dtype=torch.float32).view(n, 1), torch.arange(n), ["c"] * n)


def test_each_epoch_visits_every_sample_at_most_once_and_drops_the_remainder():
    schedule = BatchSchedule(toy(10), 3, seed=1, experience=0, device=torch.device("cpu"))
    assert schedule.steps_per_epoch == 3
    for epoch in range(3):
        seen = torch.cat([schedule.indices(epoch * 3 + s) for s in range(3)])
        assert len(seen) == 9 and len(set(seen.tolist())) == 9


def test_batches_are_a_pure_function_of_seed_experience_and_step():
    a = BatchSchedule(toy(), 4, seed=1, experience=0, device=torch.device("cpu"))
    b = BatchSchedule(toy(), 4, seed=1, experience=0, device=torch.device("cpu"))
    forward = [a.indices(s).tolist() for s in range(6)]
    backward = [b.indices(s).tolist() for s in reversed(range(6))][::-1]
    assert forward == backward
    other = BatchSchedule(toy(), 4, seed=2, experience=0, device=torch.device("cpu"))
    assert [other.indices(s).tolist() for s in range(6)] != forward
    batch = a.batch(0)
    assert torch.equal(batch.x.squeeze(1).long(), batch.y)


def test_evaluation_frequency_does_not_change_the_training_trajectory(tmp_path, tiny_dcgan_config):
    from memgan_bench.config import resolve
    from memgan_bench.engine.checkpoint import load_checkpoint
    from memgan_bench.engine.trainer import train

    final = []
    for eval_every in (0, 3):
        cfg = resolve(dict(tiny_dcgan_config, train=dict(tiny_dcgan_config["train"], eval_every=eval_every)))
        run = train(cfg, tmp_path / f"e{eval_every}", progress=False)
        final.append(load_checkpoint(run.last_checkpoint)["method"]["modules"])
    assert all(torch.equal(final[0][k], final[1][k]) for k in final[0])

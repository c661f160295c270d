"""The method contract (memgan_bench/method.py), checked for every registered method and tiny config."""

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

from methods.dcgan import DCGAN
from tests.methods.cases import build_tiny, case_ids, first_batch, in_second_experience, method_cases, toy_images

CASES = method_cases()
REPO = Path(__file__).resolve().parents[2]


def fresh(name, overrides):
    torch.manual_seed(0)
    method = build_tiny(name, overrides)
    experience = in_second_experience(method, toy_images())
    return method, experience


@pytest.mark.parametrize("name, variant, overrides", CASES, ids=case_ids(CASES))
def test_a_generator_penalty_reaches_the_generator_with_no_method_code(name, variant, overrides):
    """λ·Σθ over the generator adds exactly λ to every generator gradient of the step and nothing else."""
    weight = 0.25
    grads = []
    for penalised in (False, True):
        method, experience = fresh(name, overrides)
        if penalised:
            method.add_generator_penalty(lambda m: weight * sum(p.sum() for p in m.generator_parameters()))
        batch = first_batch(method, experience)
        torch.manual_seed(1)
        method.train_step(batch)
        grads.append([None if p.grad is None else p.grad.clone() for p in method.generator_parameters()])
        others = [p for p in method.parameters() if all(p is not q for q in method.generator_parameters())]
        grads.append([None if p.grad is None else p.grad.clone() for p in others])
    plain, penalised, plain_others, penalised_others = grads[0], grads[2], grads[1], grads[3]
    assert penalised and len(plain) == len(penalised)
    for a, b in zip(plain, penalised):
        expected = torch.full_like(b, weight) if a is None else a + weight
        assert torch.allclose(b, expected, atol=1e-6)
    for a, b in zip(plain_others, penalised_others):
        assert (a is None and b is None) or torch.equal(a, b)


@pytest.mark.parametrize("name, variant, overrides", CASES, ids=case_ids(CASES))
def test_sampling_moves_no_training_state(name, variant, overrides):
    method, experience = fresh(name, overrides)
    method.train_step(first_batch(method, experience))
    before = {k: v.clone() for k, v in method.state_dict()["modules"].items()}
    samples = method.sample(10)
    latent = method.sample_latent(6)
    assert samples.shape == (10, 1, 28, 28) and len(latent.z) == 6
    after = method.state_dict()["modules"]
    assert before.keys() == after.keys()
    assert all(torch.equal(before[k], after[k]) for k in before), [k for k in before if not torch.equal(before[k], after[k])]


@pytest.mark.parametrize("name, variant, overrides", CASES, ids=case_ids(CASES))
def test_checkpoint_round_trip_continues_bit_for_bit(name, variant, overrides):
    method, experience = fresh(name, overrides)
    method.train_step(first_batch(method, experience))
    buffer = io.BytesIO()
    torch.save(method.state_dict(), buffer)
    buffer.seek(0)
    restored, _ = fresh(name, overrides)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    outputs = []
    for m in (method, restored):
        torch.manual_seed(5)
        outputs.append(m.train_step(first_batch(m, experience, step=1)))
    assert outputs[0].keys() == outputs[1].keys()
    assert all(torch.equal(outputs[0][k], outputs[1][k]) for k in outputs[0])


@pytest.mark.parametrize("name, variant, overrides", CASES, ids=case_ids(CASES))
def test_declarations_hold(name, variant, overrides):
    method, experience = fresh(name, overrides)
    assert {"generator", "discriminator"} <= set(method.optimizers())
    logs = method.train_step(first_batch(method, experience))
    assert logs and all(key.startswith(("loss/", "diag/")) and value.dim() == 0 for key, value in logs.items())
    real, fake = experience.train.images[:6], method.sample(6)
    scores = method.discriminate(real)
    assert scores.shape == (6,)
    threshold = method.decision_threshold(real, fake)
    if method.discriminator_output == "probability":
        assert threshold == 0.5 and bool(((scores >= 0) & (scores <= 1)).all())
    else:  # a critic: the midpoint of its mean scores on the two batches
        assert method.discriminator_output == "critic"
        midpoint = 0.5 * (scores.mean().item() + method.discriminate(fake).mean().item())
        assert threshold == pytest.approx(midpoint, rel=1e-5, abs=1e-6)


THROWAWAY = '''
    """A throwaway method: DCGAN under another name, to show that a new module is picked up."""
    from memgan_bench.registry import METHODS
    from methods.dcgan import DCGAN

    @METHODS.register("throwaway")
    class Throwaway(DCGAN):
        pass
'''


@pytest.mark.skipif(os.environ.get("MEMGAN_BENCH_INNER") == "1", reason="inside the throwaway run itself")
def test_a_new_method_module_is_picked_up_by_every_all_methods_test(tmp_path):
    """One module in a ``methods/`` folder on PYTHONPATH, nothing else edited: every test above runs it."""
    (tmp_path / "methods").mkdir()
    (tmp_path / "methods" / "throwaway.py").write_text(textwrap.dedent(THROWAWAY))
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{tmp_path}", "MEMGAN_BENCH_INNER": "1"}
    files = ["tests/methods/test_every_method.py", "tests/methods/test_capturable_steps.py"]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k", "throwaway", *files],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    tests_per_case = 5  # 4 here, 1 in test_capturable_steps.py
    assert f"{tests_per_case * len(DCGAN.tiny_configs())} passed" in done.stdout, done.stdout[-2000:]

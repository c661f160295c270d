"""AAN (methods/aan): the spin RBM against exact enumeration over all (s, h) states, PCD raising the exact
likelihood, the step's losses and RBM update against hand-written formulas, chains and momentum in the
checkpoint, and evaluation sampling that leaves the chains alone."""

import copy
import io
import math

import pytest
import torch

from memgan_bench.config import load_config
from memgan_bench.data.base import DataSpec
from memgan_bench.errors import UserError
from memgan_bench.method import Batch
from memgan_bench.typed import build
from methods.aan import AAN, SpinRBM


def binary_states(n: int, values: tuple[float, float]) -> torch.Tensor:
    """All 2^n vectors with entries in ``values`` ([2^n, n], float64)."""
    grid = torch.cartesian_prod(*[torch.tensor(values, dtype=torch.float64)] * n)
    return grid.reshape(2**n, n)


def random_rbm(visible: int, hidden: int, seed: int, scale: float = 0.7) -> SpinRBM:
    torch.manual_seed(seed)
    rbm = SpinRBM(visible, hidden).double()
    with torch.no_grad():
        for p in rbm.parameters():
            p.normal_(0, scale)
    return rbm


def energy(rbm: SpinRBM, s: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
    """E(s, h) = −sᵀWh − bᵀs − cᵀh for every pair ([len(s), len(h)]), written from the definition."""
    W, b, c = rbm.weight, rbm.visible_bias, rbm.hidden_bias
    return -torch.einsum("ni,ij,mj->nm", s, W, h) - (s @ b)[:, None] - (h @ c)[None, :]


def hidden_states(rbm: SpinRBM) -> torch.Tensor:
    return binary_states(rbm.hidden_bias.numel(), (0.0, 1.0))


def conditional_statistics(rbm: SpinRBM, s: torch.Tensor):
    """Mean over rows of s hᵀ, s, h with h averaged over p(h | s) by enumerating h (real s allowed)."""
    h = hidden_states(rbm)
    p_h = torch.softmax(-energy(rbm, s, h), dim=1)  # [n, 2^H]
    mean_h = p_h @ h
    return torch.einsum("ni,nj->ij", s, mean_h) / len(s), s.mean(0), mean_h.mean(0)


def model_statistics(rbm: SpinRBM):
    """E_p[s hᵀ], E_p[s], E_p[h] under the joint p(s, h) ∝ exp(−E), by enumerating every (s, h)."""
    s, h = binary_states(rbm.visible_bias.numel(), (-1.0, 1.0)), hidden_states(rbm)
    p = torch.softmax(-energy(rbm, s, h).flatten(), dim=0).reshape(len(s), len(h))
    return torch.einsum("nm,ni,mj->ij", p, s, h), p.sum(1) @ s, p.sum(0) @ h


def exact_log_likelihood(rbm: SpinRBM, data: torch.Tensor) -> float:
    """Mean log p(s) of spin data, Z by enumerating every (s, h) joint state."""
    s, h = binary_states(rbm.visible_bias.numel(), (-1.0, 1.0)), hidden_states(rbm)
    with torch.no_grad():
        log_z = torch.logsumexp(-energy(rbm, s, h).flatten(), dim=0)
        return float((torch.logsumexp(-energy(rbm, data, h), dim=1) - log_z).mean())


def test_free_energy_matches_summing_out_every_hidden_state():
    rbm = random_rbm(5, 4, seed=0)
    spins = binary_states(5, (-1.0, 1.0))
    features = torch.rand(7, 5, dtype=torch.float64) * 2 - 1  # tanh features: real-valued s
    for s in (spins, features):
        reference = -torch.logsumexp(-energy(rbm, s, hidden_states(rbm)), dim=1)
        assert torch.allclose(rbm.free_energy(s), reference, atol=1e-10)


def test_exact_log_likelihood_gradient_of_the_module_matches_enumeration():
    """−∇[mean F(data) + log Z] with the module's F equals the positive minus the negative statistics, each
    summed over every (s, h) state from the energy."""
    rbm = random_rbm(5, 5, seed=1)
    data = binary_states(5, (-1.0, 1.0))[torch.tensor([0, 3, 3, 17, 30, 31])]
    all_spins = binary_states(5, (-1.0, 1.0))
    nll = rbm.free_energy(data).mean() + torch.logsumexp(-rbm.free_energy(all_spins), dim=0)
    grads = torch.autograd.grad(nll, [rbm.weight, rbm.visible_bias, rbm.hidden_bias])
    with torch.no_grad():
        positive, negative = conditional_statistics(rbm, data), model_statistics(rbm)
    for grad, pos, neg in zip(grads, positive, negative):
        assert torch.allclose(-grad, pos - neg, atol=1e-10)


def test_contrastive_loss_gradient_is_mean_field_positive_minus_sample_statistics():
    rbm = random_rbm(4, 3, seed=2)
    features = torch.rand(9, 4, dtype=torch.float64) * 1.8 - 0.9
    samples = binary_states(4, (-1.0, 1.0))[torch.tensor([1, 5, 5, 12])]
    grads = torch.autograd.grad(rbm.contrastive_loss(features, samples), list(rbm.parameters()))
    with torch.no_grad():
        positive, negative = conditional_statistics(rbm, features), conditional_statistics(rbm, samples)
    for grad, pos, neg in zip(grads, positive, negative):
        assert torch.allclose(-grad, pos - neg, atol=1e-10)


def test_gibbs_draws_follow_the_exact_visible_distribution():
    """10⁵ independent chains, 30 sweeps each: χ² of the 2^V state counts against p(s) = Σ_h p(s, h), and
    the conditional means E[s | h] average to E_p[s]."""
    rbm = random_rbm(4, 4, seed=3)
    torch.manual_seed(4)
    n = 100_000
    with torch.no_grad():
        start = 2 * torch.randint(0, 2, (n, 4), dtype=torch.float64) - 1
        draws, means, change = rbm.gibbs(start, 30)
        spins = binary_states(4, (-1.0, 1.0))
        p = torch.softmax(-energy(rbm, spins, hidden_states(rbm)).flatten(), dim=0).reshape(16, -1).sum(1)
        index = ((draws + 1) / 2 * torch.tensor([8.0, 4.0, 2.0, 1.0], dtype=torch.float64)).sum(1).long()
    counts = torch.bincount(index, minlength=16).double()
    statistic = ((counts - n * p) ** 2 / (n * p)).sum()
    p_value = torch.special.gammaincc(torch.tensor(15 / 2, dtype=torch.float64), statistic / 2)  # χ²₁₅ survival
    assert p_value > 1e-3, float(statistic)
    mean_s = p @ spins
    assert torch.allclose(means.mean(0), mean_s, atol=4 / math.sqrt(n) + 1e-3)
    assert set(draws.unique().tolist()) == {-1.0, 1.0} and 0 < float(change) < 2


def tiny_aan(spec=DataSpec((2,), 1), **overrides) -> AAN:
    torch.manual_seed(0)
    options = {"visible": 4, "hidden": 4, "chains": 16, "burn_in": 3, "width": 8, **overrides}
    return AAN(build(AAN.Config, options, "model"), spec)


def test_pcd_raises_the_exact_log_likelihood_of_a_fixed_data_set():
    method = tiny_aan(chains=64, rbm_lr=0.1).double()
    patterns = torch.tensor([[1, 1, -1, -1], [-1, -1, 1, 1], [1, -1, 1, -1]], dtype=torch.float64)
    data = patterns.repeat(10, 1)
    before = exact_log_likelihood(method.rbm, data)
    for _ in range(150):
        method._rbm_step(data)
    after = exact_log_likelihood(method.rbm, data)
    assert before < -2.7 and after > before + 1.0, (before, after)  # the optimum is −log 3 ≈ −1.10


@pytest.mark.parametrize("loss", ["non-saturating", "saturating"])
def test_step_losses_and_rbm_update_match_hand_computed_values(loss):
    """L_D on the pre-step networks, L_G on the updated D, the RBM's free-energy gap on this step's real
    features (pre-D-update) against its new chain states, and W ← W − lr ∇ (first momentum step)."""
    method = tiny_aan(loss=loss)
    before = copy.deepcopy(method)
    x = torch.randn(12, 2)
    logs = method.train_step(Batch(x, torch.zeros(12, dtype=torch.long)))

    sigmoid = torch.sigmoid
    with torch.no_grad():
        fake = before.generator(before.chain_visible[torch.arange(12) % 16])
        d_real, d_fake = sigmoid(before.discriminator(x)), sigmoid(before.discriminator(fake))
        d_expected = -torch.log(d_real).mean() - torch.log(1 - d_fake).mean()
        d_fake_after = sigmoid(method.discriminator(fake))
        g_expected = torch.log(1 - d_fake_after).mean() if loss == "saturating" else -torch.log(d_fake_after).mean()
        f, s = before.discriminator.features(x), method.chain_visible
        W, b, c = before.rbm.weight, before.rbm.visible_bias, before.rbm.hidden_bias

        def free_energy(v):
            return -(v @ b) - torch.log(1 + torch.exp(v @ W + c)).sum(1)

        gap = free_energy(f).mean() - free_energy(s).mean()
        positive = f.T @ sigmoid(f @ W + c) / len(f)
        negative = s.T @ sigmoid(s @ W + c) / len(s)
    assert torch.allclose(logs["loss/d_loss"], d_expected, atol=1e-5)
    assert torch.allclose(logs["loss/g_loss"], g_expected, atol=1e-5)
    assert torch.allclose(logs["loss/rbm_free_energy_gap"], gap, atol=1e-5)
    assert torch.allclose(method.rbm.weight, W + 0.01 * (positive - negative), atol=1e-7)
    assert not torch.equal(method.chain_visible, before.chain_visible)


def test_checkpoint_round_trip_restores_chains_and_momentum():
    method = tiny_aan(g_input="mean")
    for step in range(2):
        method.train_step(Batch(torch.randn(16, 2), torch.zeros(16, dtype=torch.long)))
    buffer = io.BytesIO()
    torch.save(method.state_dict(), buffer)
    buffer.seek(0)
    torch.manual_seed(9)
    restored = AAN(method.cfg, method.spec)
    restored.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(restored.chain_visible, method.chain_visible)
    assert torch.equal(restored.chain_mean, method.chain_mean)
    for p, q in zip(method.rbm.parameters(), restored.rbm.parameters()):
        momentum = method.opt_rbm.state[p]["momentum_buffer"]
        assert momentum.abs().sum() > 0 and torch.equal(momentum, restored.opt_rbm.state[q]["momentum_buffer"])
    x = torch.randn(16, 2)
    outputs = []
    for m in (method, restored):
        torch.manual_seed(5)
        outputs.append(m.train_step(Batch(x, torch.zeros(16, dtype=torch.long))))
    assert all(torch.equal(outputs[0][k], outputs[1][k]) for k in outputs[0])


@pytest.mark.parametrize("g_input", ["sample", "mean"])
def test_evaluation_samples_come_from_copies_of_the_chains(g_input):
    method = tiny_aan(g_input=g_input, burn_in=0)
    method.train_step(Batch(torch.randn(16, 2), torch.zeros(16, dtype=torch.long)))
    chains = {k: v.clone() for k, v in method.named_buffers() if k.startswith("chain")}
    latent = method.sample_latent(40)
    source = chains["chain_mean" if g_input == "mean" else "chain_visible"]
    assert latent.codes is None and torch.equal(latent.z, source[torch.arange(40) % 16])
    method.cfg.burn_in = 5
    z = method.sample_latent(40).z
    method.sample(40)
    assert not torch.equal(z, source[torch.arange(40) % 16]) and bool((z.abs() <= 1).all())
    assert all(torch.equal(chains[k], v) for k, v in method.named_buffers() if k.startswith("chain"))


def test_diagnostics_are_in_range():
    logs = tiny_aan().train_step(Batch(torch.randn(16, 2), torch.zeros(16, dtype=torch.long)))
    for key in ("rbm_visible_entropy", "rbm_conditional_entropy"):
        assert 0 <= float(logs[f"diag/{key}"]) <= 1
    assert 0 <= float(logs["diag/rbm_chain_change"]) <= 2 and float(logs["diag/rbm_reconstruction_error"]) >= 0


def test_fewer_chains_than_the_batch_is_a_user_error(tmp_path):
    path = tmp_path / "aan.yaml"
    path.write_text("method: aan\nmodel: {chains: 32}\ndata: {name: ring8}\ntrain: {batch_size: 64}\n")
    with pytest.raises(UserError, match="model.chains"):
        load_config(path)
    with pytest.raises(UserError, match="visible"):
        load_config(path, ["model.visible=0"])


@pytest.mark.parametrize("spec", [DataSpec((2,), 1), DataSpec((1, 28, 28), 10)])
def test_discriminator_is_the_tap_then_the_classification_networks_hidden_layers_then_the_logit(spec):
    """D(x) = w_out · lrelu(W_2 lrelu(W_1 f + b_1) + b_2) + b_out with f = tanh(W_f h + b_f) the V-unit tap
    (the paper's §4: further layers between the visible-sized layer and the output), and the RBM reads f."""
    method = tiny_aan(spec=spec, visible=5, head_layers=2, head_width=7)
    linears = [m for m in method.discriminator.head if isinstance(m, torch.nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(5, 7), (7, 7), (7, 1)]
    x = torch.rand(6, *spec.sample_shape) * 2 - 1
    f = method.discriminator.features(x)
    tap = method.discriminator.features[-2]  # the tap's linear layer, then tanh
    assert isinstance(tap, torch.nn.Linear) and tap.out_features == 5
    assert torch.allclose(f, torch.tanh(tap(method.discriminator.features[:-2](x))))

    def lrelu(v):
        return torch.where(v > 0, v, 0.2 * v)

    (w1, b1), (w2, b2), (w3, b3) = [(m.weight, m.bias) for m in linears]
    expected = lrelu(lrelu(f @ w1.T + b1) @ w2.T + b2) @ w3.T + b3
    assert torch.allclose(method.discriminator(x), expected, atol=1e-6)
    single = tiny_aan(spec=spec, visible=5, head_layers=0)
    assert [type(m) for m in single.discriminator.head] == [torch.nn.Linear]


def test_the_head_layers_are_discriminator_parameters():
    method = tiny_aan(head_layers=2)
    d_params = {id(p) for group in method.opt_d.param_groups for p in group["params"]}
    g_params = {id(p) for group in method.opt_g.param_groups for p in group["params"]}
    head = [id(p) for p in method.discriminator.head.parameters()]
    assert len(head) == 6 and set(head) <= d_params and not set(head) & g_params


def test_latent_is_marked_spin_only_when_g_reads_unperturbed_spins():
    assert tiny_aan().latent_spec().spin
    assert not tiny_aan(g_input="mean").latent_spec().spin
    assert not tiny_aan(input_noise=0.1).latent_spec().spin

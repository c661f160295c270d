"""The discriminative memory of MemoryGAN (Kim et al., ICLR 2018, §3.1): a vMF mixture over N slots.

State (all buffers, so ``state_dict`` holds them): keys K [N, M] (unit mean directions, 0 when unused;
shorter ones in ``official``, see Normalisation), values v [N] ∈ {0, 1} (real/fake), ages a [N] (int64),
histogram h [N]. Initialisation as the official code: K = 0, a = 0, h = 1e−5, v = 1 on the first N/2
slots and 0 on the rest; β = 1e−8, κ = 1, ε = 1e−3.

Readings where the paper's text is garbled or silent (docs/memorygan.md):

* Reset rule. The text resets when "S_y contains no correct label", which cannot fire since S_y holds only
  label-y slots. ``paper``: a query is reset when none of its *unlabelled* top-k S (eq. 3) has value y;
  ``official``: when the top-1 slot of S has the wrong value.
* LRU. A reset writes K ← q, v ← y, a ← 0, h ← mean(h) into an oldest slot. Every update ages all slots by
  1 and every written slot (EM or LRU) gets age 0, so "oldest" = least recently used (official code,
  Kaiser et al. 2017). Ties in age go to the lower slot index.
* Batch. Every query reads the memory as it was before the update; writes land in batch order and the
  later query wins on a shared slot (see ``writes.py``). The r-th reset query of the batch takes the r-th
  oldest slot; ``official`` with k < 64 puts every reset query of the batch on the single oldest slot (the
  official code's ``get_oldest_idxs``). With more reset queries than slots the surplus ones share the last
  slot of the age order.
* Reset rank for ``official`` with k ≥ 64. The official code takes the B oldest slots with an *unsorted*
  ``tf.nn.top_k(age, B, sorted=False)`` and gives query b the b-th of them (by batch position, whether or
  not the queries before it were reset). TensorFlow leaves that order unspecified, so the code fixes no
  assignment beyond "each reset query gets a distinct one of the B oldest slots". We read it
  deterministically as in ``paper``: the r-th reset query (in batch order) takes the r-th oldest slot
  (age, then lower index), so the first reset of a batch always lands on the oldest slot, as with k < 64.
* Normalisation. ``paper`` projects onto the sphere with ``F.normalize`` (x / max(‖x‖, 1e−12));
  ``official`` with ``tf.nn.l2_normalize`` (x · rsqrt(max(‖x‖², 1e−12))) for the queries and the EM /
  Kaiser key updates (``normalize.py``). They differ only below ‖x‖ = 1e−6, which happens in the EM step
  of an empty slot (K = 0) whose step r = γ/h is below 1e−6 (a tiny posterior γ, common early in
  training while S_y holds many empty slots): the official code leaves the key r·q·10⁶ of norm < 1, not a
  unit key. Such a short key has a smaller similarity K_iᵀq, and keeps it until it is written again.
* Rankings (S, S_y, oldest) break exact ties towards the lower slot index (``ranking.py``) and rank by the
  log of eq. 3's score, κ·K_iᵀq + log(h_i + β), in float64; the official labelled score subtracts
  2·min(1, |y − v_i|) (its constant −1 does not change the order; the official code has no κ, i.e. κ = 1).
* ``official`` further differs (the code whyjay/memoryGAN): the EM histogram adds the summed γ change of the
  k retrieved slots (``em.py``); the labelled top-k S_y ranks by (h+β)·exp(sim − 2·min(1, |y − v|) − 1), so
  wrong-valued slots are penalised but can stay in S_y and are then EM-updated too (keeping their value);
  the output posterior uses the prior α·h + β. In ``paper`` mode S_y holds only label-y slots (wrong-valued
  ones have p(c | x, v_c = y) = 0) and has fewer than k members when fewer slots carry label y.
* Rule ``kaiser`` (the −EM ablation): the reset test and the LRU write stay as in the chosen fidelity; a
  query that is not reset updates only the top-1 slot of S_y by Kaiser et al.'s K ← (K + q)/‖K + q‖
  (instead of EM over S_y), with h ← α·h + 1. In official mode that slot is the top-1 of S, which has the
  correct value, so this is exactly Kaiser's nearest-neighbour rule.

The update is written without host syncs or data-dependent Python branches (masks and ``torch.where``), so
it can be captured in a CUDA graph. A :class:`Lookup` (similarities, ranking keys, S and its posterior)
serves both the D(x) output and the update of the same queries: Alg. 1 updates the memory with the
queries of the D step against the memory that D step read (and ``official`` with the G step's fake
queries against the memory that G step read), so the similarities and S of eq. 3 are computed once.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import nn

from methods.memorygan.em import incremental_em, kaiser_average
from methods.memorygan.normalize import l2_normalize
from methods.memorygan.ranking import oldest_slots, rank_scores, top_slots
from methods.memorygan.readout import readout
from methods.memorygan.writes import apply_writes

FIDELITIES = ("paper", "official")
RULES = ("em", "kaiser")


class Lookup(NamedTuple):
    """One read of the memory by unit queries ``q`` [B, M]: ``sim`` = K_iᵀq [B, N], ``scores`` = the float64
    ranking keys of eq. 3 [B, N] (``ranking.rank_scores``), ``slots`` = S [B, k] (best first) and
    ``posterior`` = p(c = i | x) over S [B, k], all detached (D(x) differentiates through ``readout.py``)."""

    q: torch.Tensor
    sim: torch.Tensor
    scores: torch.Tensor
    slots: torch.Tensor
    posterior: torch.Tensor


class VMFMemory(nn.Module):
    def __init__(
        self,
        size: int,
        key_dim: int,
        k: int,
        *,
        alpha: float = 0.5,
        beta: float = 1e-8,
        kappa: float = 1.0,
        eps: float = 1e-3,
        em_iters: int = 1,
        fidelity: str = "paper",
        rule: str = "em",
    ):
        super().__init__()
        if fidelity not in FIDELITIES or rule not in RULES:
            raise ValueError(f"fidelity must be one of {FIDELITIES} and rule one of {RULES}")
        if not 1 <= k <= size:
            raise ValueError(f"k must be in [1, N={size}], got {k}")
        self.size, self.key_dim, self.k = size, key_dim, k
        self.alpha, self.beta, self.kappa, self.eps = alpha, beta, kappa, eps
        self.em_iters, self.fidelity, self.rule = em_iters, fidelity, rule
        values = torch.zeros(size)
        values[: size // 2] = 1.0
        self.register_buffer("keys", torch.zeros(size, key_dim))
        self.register_buffer("values", values)
        self.register_buffer("ages", torch.zeros(size, dtype=torch.long))
        self.register_buffer("hist", torch.full((size,), 1e-5))
        self.register_buffer("used", torch.zeros(size, dtype=torch.bool))

    # --- reading (eq. 1–4) ----------------------------------------------------------------------------
    def unit(self, x: torch.Tensor) -> torch.Tensor:
        """Queries q = μ/‖μ‖ [B, M] of raw inference outputs μ, normalised as the fidelity's code does
        (``F.normalize`` or ``tf.nn.l2_normalize``, ``normalize.py``)."""
        return l2_normalize(x, dim=1) if self.fidelity == "official" else F.normalize(x, dim=1)

    def lookup(self, q: torch.Tensor) -> Lookup:
        """Top-k slots S of eq. 3 and p(c = i | x) over S (eq. 1 renormalised on S, eq. 4) of the unit
        queries ``q`` [B, M]; :meth:`output` of it is differentiable in ``q``."""
        with torch.no_grad():
            sim = q @ self.keys.T
            log_prior = torch.log(self.hist + self.beta)
            scores = rank_scores(sim, log_prior, self.kappa)
            slots = top_slots(scores, self.k)
            if self.fidelity == "official":
                log_prior = torch.log(self.alpha * self.hist + self.beta)
            logits = torch.add(log_prior[slots], sim.gather(1, slots), alpha=self.kappa)
        return Lookup(q, sim, scores, slots, torch.softmax(logits, dim=-1))

    def output(self, read: torch.Tensor | Lookup) -> torch.Tensor:
        """D(x) = Σ_{i∈S} v_i p(c = i | x), clipped to [ε, 1 − ε] ([B]), from unit queries or their lookup."""
        read = read if isinstance(read, Lookup) else self.lookup(read)
        return readout(read.q, read.posterior, self.values[read.slots], self.keys, read.slots, kappa=self.kappa,
                       eps=self.eps)

    # --- MCGN prior (§3.2) ----------------------------------------------------------------------------
    def sample_slots(self, n: int) -> torch.Tensor:
        """n slot indices c ~ p(c | v = 1) ∝ h_c v_c, by inverse-CDF sampling (capturable, no host sync).
        A memory without any real slot (all h_c v_c = 0) returns the last slot."""
        cdf = torch.cumsum((self.hist * self.values).double(), 0)
        u = torch.rand(n, device=cdf.device, dtype=torch.float64) * cdf[-1]
        return torch.searchsorted(cdf, u, right=True).clamp(max=self.size - 1)

    # --- writing (§3.1.2, Alg. 1) ---------------------------------------------------------------------
    def _labelled_scores(self, scores: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Ranking keys of S_y [B, N] from those of S: wrong-valued slots (v_i ≠ y_b) get −∞ (``paper``:
        p(c | x, v_c = y) = 0) or −2 (``official``: (h + β)·exp(sim − 2·min(1, |y − v|) − 1), in logs). The
        offsets are rows of a [2, N] table built from the indicator [v_i = y] of each label y ∈ {0, 1} (log of
        it: 0 or −∞; 2·it − 2: 0 or −2) and added in one pass over [B, N]."""
        right = torch.stack([1 - self.values, self.values]).to(scores.dtype)
        table = right.mul_(2).sub_(2) if self.fidelity == "official" else right.log_()
        return table.index_select(0, y.long()).add_(scores)

    @torch.no_grad()
    def update(self, q: torch.Tensor, y: torch.Tensor, read: Optional[Lookup] = None) -> dict[str, torch.Tensor]:
        """Update the memory with unit queries ``q`` [B, M] of labels ``y`` [B] (1 real, 0 fake). ``read``,
        if given, is ``lookup(q)`` against the current memory; its similarities and S are reused.

        Returns 0-dim statistics: fraction of reset queries and of slots written."""
        batch, official = q.shape[0], self.fidelity == "official"
        q = q.to(self.keys.dtype)
        y = y.to(self.values.dtype)
        read = self.lookup(q) if read is None else read
        top_values = self.values[read.slots]
        reset = top_values[:, 0] != y if official else (top_values != y[:, None]).all(-1)

        s_y = top_slots(self._labelled_scores(read.scores, y), self.k)
        em_slots = s_y if self.rule == "em" else s_y[:, :1]
        per_slot = torch.stack([self.values, self.hist, torch.linalg.vecdot(self.keys, self.keys)])
        em_values, hist, sq_norm = per_slot.index_select(1, em_slots.flatten()).unflatten(1, em_slots.shape)
        # official: all of S_y is updated; paper: its label-y slots (fewer than k when fewer slots carry y)
        member = None if official else em_values == y[:, None]
        sim = read.sim.gather(1, em_slots)
        if self.rule == "em":
            coef_key, coef_query, new_hist = incremental_em(
                sim, sq_norm, hist, member, alpha=self.alpha, beta=self.beta, kappa=self.kappa,
                iters=self.em_iters, official=official,
            )
        else:
            coef_key, coef_query, new_hist = kaiser_average(sim, sq_norm, hist, alpha=self.alpha, official=official)

        oldest = oldest_slots(self.ages, min(batch, self.size))
        if official and self.k < 64:
            lru = oldest[:1].expand(batch)
        else:
            lru = oldest[(torch.cumsum(reset.long(), 0) - 1).clamp(0, oldest.shape[0] - 1)]
        kept = ~reset[:, None]
        # write records (key coefficient a, query coefficient b, value, histogram); an LRU write is K ← q
        # (a = 0, b = 1), v ← y, h ← mean(h)
        lru_record = torch.stack([torch.zeros_like(y), torch.ones_like(y), y, self.hist.mean().expand(batch)])
        written = apply_writes(
            self, q,
            slots=torch.cat([em_slots, lru[:, None]], 1),
            mask=torch.cat([kept.expand_as(em_slots) if member is None else member & kept, reset[:, None]], 1),
            records=torch.cat([torch.stack([coef_key, coef_query, em_values, new_hist]), lru_record[..., None]], 2),
        )
        self.used |= written
        return {"reset_rate": reset.float().mean(), "written_frac": written.float().mean()}

    def stats(self) -> dict[str, torch.Tensor]:
        """0-dim summaries: fraction of slots ever written, of real slots, and mean h over real slots."""
        real = self.values.sum()
        return {
            "mem_used": self.used.float().mean(),
            "mem_real_frac": real / self.size,
            "mem_real_hist": (self.hist * self.values).sum() / real.clamp(min=1),
        }

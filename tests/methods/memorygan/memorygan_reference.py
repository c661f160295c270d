"""Slow reference of the MemoryGAN memory, written from the paper's equations and the readings listed in
``methods/memorygan/memory.py``.

NumPy float64, one query at a time (one query's scores are computed over all slots at once). An update
first computes every query's intended writes against a frozen copy of the memory (the batch reads the
pre-update memory), then applies them one after another in batch order, so a later query overwrites an
earlier one on a shared slot. Rankings use a stable sort of the negated score (lower index first on
ties). Keys are re-normalised as ``F.normalize`` (paper) or TensorFlow's ``tf.nn.l2_normalize``
(official) does. Nothing here calls the vectorised module.
"""

from __future__ import annotations

import numpy as np


class ReferenceMemory:
    def __init__(self, size, key_dim, k, *, alpha=0.5, beta=1e-8, kappa=1.0, eps=1e-3, em_iters=1,
                 fidelity="paper", rule="em"):
        self.N, self.M, self.k = size, key_dim, k
        self.alpha, self.beta, self.kappa, self.eps, self.T = alpha, beta, kappa, eps, em_iters
        self.fidelity, self.rule = fidelity, rule
        self.K = np.zeros((size, key_dim))
        self.v = np.array([1.0 if i < size // 2 else 0.0 for i in range(size)])
        self.a = np.zeros(size, dtype=np.int64)
        self.h = np.full(size, 1e-5)
        self.counts = {"reset": 0, "em": 0, "overlap": 0}

    def unit(self, x):
        """x/‖x‖ with the norm floored at 1e−12 (paper) or, as ``tf.nn.l2_normalize``, x/sqrt(max(Σx², 1e−12))."""
        if self.fidelity == "official":
            return x / np.sqrt(max(np.sum(x * x), 1e-12))
        return x / max(np.linalg.norm(x), 1e-12)

    @staticmethod
    def ranked(scores):
        return list(np.argsort(-np.asarray(scores), kind="stable"))

    def top_k(self, q):
        """S of eq. 3: the k slots with the largest (h_i + β) exp(κ K_iᵀ q)."""
        scores = (self.h + self.beta) * np.exp(self.kappa * self.K @ q)
        return self.ranked(scores)[: self.k]

    def output(self, q):
        """Eq. 4 on S, clipped to [ε, 1 − ε]."""
        slots = self.top_k(q)
        if self.fidelity == "official":
            prior = [self.alpha * self.h[i] + self.beta for i in slots]
        else:
            prior = [self.h[i] + self.beta for i in slots]
        joint = [np.exp(self.kappa * self.K[i] @ q) * p for i, p in zip(slots, prior)]
        d = sum(self.v[i] * w for i, w in zip(slots, joint)) / sum(joint)
        return float(min(max(d, self.eps), 1 - self.eps))

    def labelled_top_k(self, q, y):
        """S_y: paper ranks label-y slots by p(c | x, v_c = y); official penalises wrong-valued slots."""
        if self.fidelity == "official":
            wrong = np.minimum(1.0, np.abs(y - self.v))
            return self.ranked((self.h + self.beta) * np.exp(self.K @ q - 2 * wrong - 1))[: self.k]
        candidates = [i for i in range(self.N) if self.v[i] == y]
        scores = [(self.h[i] + self.beta) * np.exp(self.kappa * self.K[i] @ q) for i in candidates]
        return [candidates[j] for j in self.ranked(scores)][: self.k]

    def em(self, q, slots):
        """Eq. 5 for T iterations from h⁰ = αh, γ⁰ = 0; keys re-normalised after each M-step."""
        h = {i: self.alpha * self.h[i] for i in slots}
        keys = {i: self.K[i].copy() for i in slots}
        prev = {i: 0.0 for i in slots}
        for _ in range(self.T):
            joint = {i: np.exp(self.kappa * keys[i] @ q) * (h[i] + self.beta) for i in slots}
            total = sum(joint.values())
            gamma = {i: joint[i] / total for i in slots}
            summed = sum(gamma[i] - prev[i] for i in slots)
            for i in slots:
                h[i] = h[i] + (summed if self.fidelity == "official" else gamma[i] - prev[i])
            for i in slots:
                key = keys[i] + (gamma[i] - prev[i]) / h[i] * (q - keys[i])
                keys[i] = self.unit(key)
            prev = gamma
        return [(i, keys[i], self.v[i], h[i]) for i in slots]

    def update(self, queries, labels):
        oldest = sorted(range(self.N), key=lambda i: (-self.a[i], i))
        mean_h = float(np.mean(self.h))
        writes, resets = [], 0
        for q, y in zip(queries, labels):
            top = self.top_k(q)
            if self.fidelity == "official":
                reset = self.v[top[0]] != y
            else:
                reset = all(self.v[i] != y for i in top)
            if reset:
                slot = oldest[0] if (self.fidelity == "official" and self.k < 64) else oldest[resets]
                resets += 1
                writes.append([(slot, q.copy(), float(y), mean_h)])
                continue
            self.counts["em"] += 1
            s_y = self.labelled_top_k(q, y)
            if self.rule == "em":
                writes.append(self.em(q, s_y))
            else:
                s = s_y[0]
                writes.append([(s, self.unit(self.K[s] + q), self.v[s], self.alpha * self.h[s] + 1)])
        self.counts["reset"] += resets
        touched = [slot for query_writes in writes for slot, *_ in query_writes]
        self.counts["overlap"] += len(touched) - len(set(touched))
        self.a += 1
        for query_writes in writes:
            for slot, key, value, hist in query_writes:
                self.K[slot], self.v[slot], self.h[slot], self.a[slot] = key, value, hist, 0

    def sampling_probs(self):
        """p(c | v = 1) = h_c v_c / Σ_j h_j v_j (§3.2)."""
        w = self.h * self.v
        return w / w.sum()

"""The GAN losses of a logit discriminator, shared by the methods (Goodfellow et al. 2014).

L_D = −E log D(x) − E log(1 − D(G(z)))  (computed from logits: softplus(−l_real) + softplus(l_fake)).
Generator loss, a config choice:
  ``saturating``      L_G = E log(1 − D(G(z)))   (the minimax form of MemoryGAN eq. 7–8 without memory)
  ``non-saturating``  L_G = −E log D(G(z))        (Goodfellow et al. 2014's practical form)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """−E log σ(l_real) − E log(1 − σ(l_fake))."""
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor, form: str) -> torch.Tensor:
    """Saturating E log(1 − σ(l)) = −E softplus(l); non-saturating −E log σ(l) = E softplus(−l)."""
    if form == "saturating":
        return -F.softplus(fake_logits).mean()
    return F.softplus(-fake_logits).mean()


def adversarial_logs(d_loss, g_loss, real_logits, fake_logits) -> dict[str, torch.Tensor]:
    """The step outputs every logit-discriminator GAN reports: both losses and the mean D(real), D(fake)."""
    return {
        "loss/d_loss": d_loss.detach(),
        "loss/g_loss": g_loss.detach(),
        "diag/d_real": torch.sigmoid(real_logits).mean().detach(),
        "diag/d_fake": torch.sigmoid(fake_logits).mean().detach(),
    }

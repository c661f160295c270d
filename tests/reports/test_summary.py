import math

import pandas as pd

from reports.summary import sentence, sentences


def stat(setting, variant, metric, mean, low, high, n=3, best=False, significant=False, reference="dcgan"):
    return dict(setting=setting, variant=variant, metric=metric, mean=mean, ci_low=low, ci_high=high, n=n,
                best=best, significant=significant, reference=reference)


def test_a_sentence_names_each_metrics_leader_with_its_interval_and_who_differs_from_the_reference():
    rows = pd.DataFrame([
        stat("ring8 · unsupervised", "dcgan", "modes_covered", 6.0, 5.0, 7.0),
        stat("ring8 · unsupervised", "gan-ensemble", "modes_covered", 8.0, 8.0, 8.0, best=True, significant=True),
        stat("ring8 · unsupervised", "dcgan", "high_quality", 0.5, 0.4, 0.6, best=True),
        stat("ring8 · unsupervised", "gan-ensemble", "high_quality", 0.45, 0.35, 0.55),
        stat("ring8 · unsupervised", "dcgan", "loss/g_loss", 1.0, 0.0, 2.0),  # not a summary metric
    ])
    assert sentence("ring8 · unsupervised", rows) == (
        "ring8 · unsupervised (up to 3 seeds): gan-ensemble leads on Modes covered (8 ± 0); dcgan leads on "
        "High-quality share (0.5 ± 0.1); differ from dcgan (Welch, Holm, α 0.05): gan-ensemble on Modes covered.")


def test_without_differences_it_says_so_and_a_single_seed_has_no_interval():
    rows = pd.DataFrame([
        stat("d · class-incremental", "SFT", "cl/acc_avg", 0.25, math.nan, math.nan, n=1, reference=""),
        stat("d · class-incremental", "MeRGAN-RA", "cl/acc_avg", 0.9, math.nan, math.nan, n=1, best=True,
             reference=""),
    ])
    assert sentence("d · class-incremental", rows) == \
        "d · class-incremental (up to 1 seed): MeRGAN-RA leads on Final acc. (0.9)."
    rows["reference"] = "SFT"
    assert sentence("d · class-incremental", rows).endswith("; no variant differs from SFT at this n (Welch, Holm, α 0.05).")


def test_ties_of_every_variant_say_nothing_ties_of_some_name_them_all_and_a_missing_reference_is_no_reference():
    rows = pd.DataFrame([
        stat("r · unsupervised", "a", "modes_covered", 8.0, 8.0, 8.0, best=True, reference=math.nan),
        stat("r · unsupervised", "b", "modes_covered", 8.0, 8.0, 8.0, best=True, reference=math.nan),
        stat("r · unsupervised", "c", "modes_covered", 5.0, 4.0, 6.0, reference=math.nan),
        stat("r · unsupervised", "a", "d_forgetting/mean_forgetting", 0.0, 0.0, 0.0, best=True, reference=math.nan),
        stat("r · unsupervised", "b", "d_forgetting/mean_forgetting", 0.0, 0.0, 0.0, best=True, reference=math.nan),
    ])
    assert sentence("r · unsupervised", rows) == "r · unsupervised (up to 3 seeds): a and b lead on Modes covered (8 ± 0)."


def test_settings_with_one_variant_get_no_sentence():
    rows = pd.DataFrame([stat("a · unsupervised", "dcgan", "fid", 30.0, 20.0, 40.0, best=False),
                         stat("b · unsupervised", "dcgan", "fid", 30.0, 20.0, 40.0),
                         stat("b · unsupervised", "mgan", "fid", 20.0, 10.0, 30.0, best=True)])
    assert [s.split(" (")[0] for s in sentences(rows)] == ["b · unsupervised"]

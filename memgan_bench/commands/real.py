"""``memgan-bench real --dataset NAME``: held-out real data scored as if it were a generator.

The ceiling row of every table: IS and coverage of test images, FID/KID/PR of test against train images,
in the same evaluation-classifier space (and with the same sample count) as generated samples.
"""

from __future__ import annotations

HELP = "score held-out real test data like a generator (IS, FID/KID/PR vs train, coverage): the ceiling row"


def add_arguments(parser) -> None:
    from memgan_bench.evaluation.classifier import ARCHS
    from memgan_bench.rundir import RESULTS

    parser.add_argument("--dataset", required=True)
    parser.add_argument("--num-samples", type=int, default=10000, help="test and train images used (default 10000)")
    parser.add_argument("--data-root")
    parser.add_argument("--inception-weights", help="score with torch-fidelity's inception-v3-compat from this file")
    parser.add_argument("--arch", default="resnet", choices=sorted(ARCHS), help="evaluation classifier")
    parser.add_argument("--epochs", type=int, help="evaluation classifier epochs (default: per architecture)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the image subsets")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")
    parser.add_argument("--out", help=f"also write the rows as {RESULTS} of a run-style directory")


def score_real(dataset: str, num_samples: int, root=None, inception_weights=None, arch="resnet", epochs=None,
               seed: int = 0, device=None) -> dict[str, float]:
    from memgan_bench.data import load_dataset
    from memgan_bench.engine.seeding import pick_device
    from memgan_bench.evaluation.classifier import load_or_train_classifier
    from memgan_bench.metrics.fidelity import compute_fidelity
    from memgan_bench.metrics.sampling import random_rows
    from memgan_bench.plugins.coverage import coverage_rows

    train, test = load_dataset(dataset, "train", root, seed), load_dataset(dataset, "test", root, seed)
    samples = random_rows(test, num_samples, seed)
    if train.mode_centers is not None:
        return coverage_rows(samples, train)
    device = pick_device(device)
    classifier = load_or_train_classifier(dataset, root, arch, 0, epochs, device)
    reference = random_rows(train, num_samples, seed)
    rows = compute_fidelity(samples, reference, classifier, device=device, inception_weights=inception_weights)
    return {**rows, **coverage_rows(samples, train, classifier)}


def run(args) -> int:
    from memgan_bench.errors import UserError
    from memgan_bench.results import ResultsLog
    from memgan_bench.rundir import RunDir

    if args.num_samples < 10:
        raise UserError("--num-samples must be >= 10")
    if args.out and RunDir(args.out).results.exists():
        raise UserError(f"{RunDir(args.out).results} exists; choose another --out")
    rows = score_real(args.dataset, args.num_samples, args.data_root, args.inception_weights, args.arch,
                      args.epochs, args.seed, args.device)
    width = max(len(name) for name in rows)
    for name, value in rows.items():
        print(f"{name:<{width}}  {value:.6g}")
    if args.out:
        run_dir = RunDir(args.out)
        identity = {"run_id": f"real-{args.dataset}", "method": "real", "scenario": "real",
                    "dataset": args.dataset, "seed": args.seed}
        ResultsLog(run_dir.results, identity).add(0, 0, rows)
        run_dir.set_status("finished")
    return 0

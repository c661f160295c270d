"""``memgan-bench classifier --dataset NAME``: train (or load) the evaluation classifier and show its accuracy."""

from __future__ import annotations

HELP = "train (or load the cached) evaluation classifier of a dataset and print its test accuracy"


def add_arguments(parser) -> None:
    from memgan_bench.evaluation.classifier import ARCHS

    parser.add_argument("--dataset", required=True)
    parser.add_argument("--epochs", type=int, help="training epochs (default: per architecture)")
    parser.add_argument("--arch", default="resnet", choices=sorted(ARCHS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-root", help="where the dataset files are (default: the loader's search path)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda when available)")


def run(args) -> int:
    from memgan_bench.evaluation.classifier import load_or_train_classifier

    classifier = load_or_train_classifier(args.dataset, args.data_root, args.arch, args.seed, args.epochs,
                                          args.device)
    print(f"{classifier.identity}\ttest_accuracy={classifier.test_accuracy:.4f}")
    return 0

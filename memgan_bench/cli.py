"""``memgan-bench`` command line: subcommands are discovered in :mod:`memgan_bench.commands`.

Every error a user can cause is printed as one line and exits with code 2, never a traceback: a
:class:`UserError` raised where the input is read or validated, or an ``OSError`` of a file operation
(a read-only or full disk, a path that is a file or a folder where the other is needed).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from memgan_bench.errors import UserError


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        command = self.prog.removeprefix("memgan-bench").strip()
        raise UserError(f"{command}: {message}" if command else message)


def command_modules() -> dict:
    import memgan_bench.commands as package

    modules = {}
    for info in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        module = importlib.import_module(info.name)
        modules[getattr(module, "NAME", info.name.rsplit(".", 1)[1])] = module
    return modules


def build_parser() -> tuple[argparse.ArgumentParser, dict]:
    parser = OneLineParser(prog="memgan-bench", description="Benchmark GAN memory methods.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    modules = command_modules()
    for name, module in sorted(modules.items()):
        module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))
    return parser, modules


def describe_os_error(err: OSError) -> str:
    """``strerror: filename`` on one line (``[Errno 28] No space left on device: 'runs/x/table.csv'``)."""
    text = f"[Errno {err.errno}] {err.strerror}" if err.strerror else str(err) or type(err).__name__
    paths = [repr(str(name)) for name in (err.filename, err.filename2) if name is not None]
    return " ".join(f"{text}: {' -> '.join(paths)}".splitlines()) if paths else " ".join(text.splitlines())


def main(argv: list[str] | None = None) -> int:
    try:
        parser, modules = build_parser()
        args = parser.parse_args(argv)
        return int(modules[args.command].run(args) or 0)
    except UserError as err:
        print(f"memgan-bench: error: {err}", file=sys.stderr)
        return UserError.exit_code
    except OSError as err:
        print(f"memgan-bench: error: {describe_os_error(err)}", file=sys.stderr)
        return UserError.exit_code
    except KeyboardInterrupt:
        print("memgan-bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

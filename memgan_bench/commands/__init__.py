"""CLI subcommands: each module defines ``HELP``, ``add_arguments(parser)`` and ``run(args)``; an
optional ``NAME`` overrides the command name (default: the module name).

The commands are the application edge: nothing imports them but :mod:`memgan_bench.cli`, and they import
what a command runs (the engine, metrics) inside ``run``, never at module level, so building the parser
imports no training code. Like the rest of the core they reach the packages that plug into it
(:mod:`reports`, methods, scenarios) only through :mod:`memgan_bench.registry`; ``tests/test_imports.py``
checks that no import statement anywhere in the core names one.
"""

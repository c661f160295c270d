"""CLI subcommands: each module defines ``HELP``, ``add_arguments(parser)`` and ``run(args)``; an
optional ``NAME`` overrides the command name (default: the module name).

The commands are the application edge, above both the core and the packages that plug into it: nothing
imports them but :mod:`memgan_bench.cli`, and they import what a command runs (the engine, metrics,
:mod:`reports`) inside ``run``, never at module level, so building the parser imports no plug-in package
and no training code. ``tests/test_imports.py`` checks the module-level half of this.
"""

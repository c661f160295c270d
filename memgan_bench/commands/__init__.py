"""CLI subcommands: each module defines ``HELP``, ``add_arguments(parser)`` and ``run(args)``; an
optional ``NAME`` overrides the command name (default: the module name)."""

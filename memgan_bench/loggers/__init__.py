"""Loggers: plugins that copy a run's rows and samples to an outside viewer."""

"""Training regularisers implemented as plugins (e.g. EWC on the generator)."""

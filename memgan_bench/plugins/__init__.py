"""Plugins run during training: one module per plugin, named as it registers in
:data:`memgan_bench.registry.PLUGINS`; the base class is :class:`memgan_bench.plugin.Plugin`."""

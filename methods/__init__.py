"""GAN methods: one module each, registered with ``@METHODS.register("name")`` (:mod:`memgan_bench.registry`);
the interface they implement is :mod:`memgan_bench.method`.

``__path__`` is extended over every ``methods/`` folder on ``sys.path`` (``pkgutil.extend_path``), so a
method kept outside this repository is one module in a ``methods/`` folder of its own on ``PYTHONPATH``.
"""

import pkgutil

__path__ = pkgutil.extend_path(__path__, __name__)

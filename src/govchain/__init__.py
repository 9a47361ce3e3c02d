"""GovChain: a consortium blockchain platform for government services.

The package is layered (see ``docs/architecture.md``): ``types`` and ``codec``
depend on nothing of ours, ``crypto`` only on those two, and everything above
receives its collaborators from the composition root.
"""

from govchain import compiled as _compiled

_compiled.choose()  # before any compiled module is imported (govchain.compiled)

__version__ = "0.1.0"

__all__ = ["__version__"]

"""xgexport: turn an .h5ad file into a static single-cell viewer website.

The public Python API is small: :func:`build` (what ``xgexport build`` runs),
:func:`load_de` (differential expression of a bundle as a DataFrame), :func:`compare` (any
group of cells against another, from a bundle's comparison data) and :func:`verify`.
"""

from __future__ import annotations

import sys
import types

from .format import FORMAT_VERSION
from .version import __version__

__all__ = ["FORMAT_VERSION", "__version__", "build", "compare", "load_de", "verify"]


def __getattr__(name: str):
    # Lazy imports keep `xgexport --help` fast and the package import light.
    if name == "load_de":
        from .de import load_de

        return load_de
    if name == "compare":
        from .comparison import compare

        return compare
    raise AttributeError(name)


class _Package(types.ModuleType):
    """`xgexport.build` and `xgexport.verify` stay the public functions although submodules of
    those names exist: importing a submodule sets the package's attribute of that name, which
    would otherwise replace the function with the module (`xgexport.verify(out)` then failed
    with "'module' object is not callable" once anything had imported `xgexport.verify`)."""

    @property
    def build(self):
        from .build import build

        return build

    @build.setter
    def build(self, _module) -> None:
        pass  # the submodule stays reachable as sys.modules["xgexport.build"]

    @property
    def verify(self):
        from .verify import verify

        return verify

    @verify.setter
    def verify(self, _module) -> None:
        pass


sys.modules[__name__].__class__ = _Package

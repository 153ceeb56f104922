"""xgexport: turn an .h5ad file into a static single-cell viewer website.

The public Python API is small: :func:`build` (what ``xgexport build`` runs),
:func:`load_de` (differential expression of a bundle as a DataFrame), :func:`compare` (any
group of cells against another, from a bundle's comparison data) and :func:`verify`.
"""

from __future__ import annotations

__version__ = "0.1.0"
FORMAT_VERSION = 1

__all__ = ["FORMAT_VERSION", "__version__", "build", "compare", "load_de", "verify"]


def __getattr__(name: str):
    # Lazy imports keep `xgexport --help` fast and the package import light.
    if name == "build":
        from .build import build

        return build
    if name == "load_de":
        from .de import load_de

        return load_de
    if name == "compare":
        from .comparison import compare

        return compare
    if name == "verify":
        from .manifest import verify

        return verify
    raise AttributeError(name)

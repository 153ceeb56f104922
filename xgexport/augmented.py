"""An input with what the build adds to it before planning: label sets as obs columns (with
their colours as uns entries) and computed embeddings as obsm entries. One class for both, so
that ``--annotations`` and ``--embed`` compose; the plan and the writers see an ordinary source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from .source import Source


@dataclass(frozen=True)
class AugmentedSource(Source):
    extra_uns: Mapping[str, Any] = field(default_factory=dict)  # e.g. "<label set>_colors"
    extra_obsm: Mapping[str, np.ndarray] = field(default_factory=dict)  # cells × dims, float64

    def uns_value(self, key: str) -> Any:
        if key in self.extra_uns:
            return self.extra_uns[key]
        return super().uns_value(key)

    def embedding(self, key: str, dims: int = 2) -> np.ndarray:
        if key in self.extra_obsm:
            return np.asarray(self.extra_obsm[key][:, :dims], dtype=np.float64)
        return super().embedding(key, dims)


def augment(
    source: Source,
    *,
    obs: pd.DataFrame | None = None,
    uns: Mapping[str, Any] | None = None,
    obsm: Mapping[str, np.ndarray] | None = None,
) -> AugmentedSource:
    """``source`` with obs replaced (when given) and uns/obsm entries added."""
    values = {f.name: getattr(source, f.name) for f in fields(Source)}
    extra_uns = {**getattr(source, "extra_uns", {}), **(uns or {})}
    extra_obsm = {**getattr(source, "extra_obsm", {}), **(obsm or {})}
    values["obsm_shapes"] = {**source.obsm_shapes, **{key: tuple(a.shape) for key, a in (obsm or {}).items()}}
    if obs is not None:
        values["obs"] = obs
    return AugmentedSource(**values, extra_uns=extra_uns, extra_obsm=extra_obsm)

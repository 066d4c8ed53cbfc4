"""How much memory a model's weights need, and which GPUs hold them (lesson 04's calculator).

Rule of thumb from the course: memory (GB) = parameters (billions) x bytes per parameter.
Real inference needs a little more (KV cache, activations), given as an optional overhead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from portal.i18n import t

BYTES_PER_PARAMETER = {"FP32": 4.0, "FP16": 2.0, "BF16": 2.0, "FP8": 1.0, "INT8": 1.0, "INT4": 0.5}


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_gb: float
    count: int = 0  # 0: a single card, not labelled; 1: one card; 8: a node of eight (labelled in the UI language)

    def label(self) -> str:
        if not self.count:
            return self.name
        return t("calc.gpu.one" if self.count == 1 else "calc.gpu.node", name=self.name, n=self.count)


GPUS = (
    Gpu("NVIDIA RTX 4070", 12),
    Gpu("NVIDIA RTX 4080", 16),
    Gpu("NVIDIA RTX 4090", 24),
    Gpu("NVIDIA H100", 80, count=1),
    Gpu("NVIDIA H100", 640, count=8),  # one node of eight
)


def weights_gb(parameters_billion: float, precision: str, overhead: float = 0.0) -> float:
    """Memory for the weights, rounded up to a whole GB as the course's table does."""
    if parameters_billion <= 0:
        raise ValueError("parameters must be positive")
    if precision not in BYTES_PER_PARAMETER:
        raise ValueError(f"unknown precision {precision}")
    return float(math.ceil(parameters_billion * BYTES_PER_PARAMETER[precision] * (1 + overhead) - 1e-9))


@dataclass(frozen=True)
class Fit:
    gpu: Gpu
    fits: bool
    tight: bool  # fits, but uses more than 85% of the memory


def fits(need_gb: float, gpus: tuple[Gpu, ...] = GPUS) -> list[Fit]:
    return [Fit(g, need_gb <= g.memory_gb, need_gb <= g.memory_gb and need_gb > 0.85 * g.memory_gb) for g in gpus]

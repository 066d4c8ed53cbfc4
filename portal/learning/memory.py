"""How much memory a model's weights need, and which GPUs hold them (lesson 04's calculator).

Rule of thumb from the course: memory (GB) = parameters (billions) x bytes per parameter.
Real inference needs a little more (KV cache, activations), given as an optional overhead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

BYTES_PER_PARAMETER = {"FP32": 4.0, "FP16": 2.0, "BF16": 2.0, "FP8": 1.0, "INT8": 1.0, "INT4": 0.5}


@dataclass(frozen=True)
class Gpu:
    name: str
    memory_gb: float


GPUS = (
    Gpu("NVIDIA RTX 4070", 12),
    Gpu("NVIDIA RTX 4080", 16),
    Gpu("NVIDIA RTX 4090", 24),
    Gpu("NVIDIA H100 (1枚)", 80),
    Gpu("NVIDIA H100 ノード (8枚)", 640),
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

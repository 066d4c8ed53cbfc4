"""The memory calculator of lesson 04 reproduces the course's Llama 3.1 table."""

import pytest

from portal.learning import memory

TABLE = {  # parameters (B) -> FP16, FP8, INT4 in GB, as in the lesson
    8: (16, 8, 4),
    70: (140, 70, 35),
    405: (810, 405, 203),
}


@pytest.mark.parametrize("params", list(TABLE))
def test_weights_match_the_lesson_table(params):
    assert tuple(memory.weights_gb(params, p) for p in ("FP16", "FP8", "INT4")) == TABLE[params]


def test_which_gpu_holds_which_model():
    def verdicts(need):
        return {f.gpu.label(): (f.fits, f.tight) for f in memory.fits(need)}

    assert verdicts(memory.weights_gb(8, "FP8"))["NVIDIA RTX 4070"] == (True, False)      # 8 GB on 12 GB
    assert verdicts(memory.weights_gb(8, "FP16"))["NVIDIA RTX 4070"] == (False, False)    # 16 GB on 12 GB
    assert verdicts(memory.weights_gb(8, "FP16"))["NVIDIA RTX 4080"] == (True, True)      # exactly 16 GB
    node = "NVIDIA H100 ノード (8枚)"
    assert verdicts(memory.weights_gb(405, "FP16"))[node][0] is False                    # 810 GB > 640 GB
    assert verdicts(memory.weights_gb(405, "FP8"))[node] == (True, False)                 # 405 GB fits


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        memory.weights_gb(0, "FP16")
    with pytest.raises(ValueError):
        memory.weights_gb(8, "FP12")
    assert memory.weights_gb(8, "FP16", overhead=0.2) == 20  # 19.2 rounded up

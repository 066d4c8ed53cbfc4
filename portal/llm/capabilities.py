"""Which sampling parameters a model accepts.

OpenAI's reasoning models (o1, o3, o4-mini, gpt-5 and their dated/size variants) reject
``temperature``, ``top_p`` and ``logprobs`` with a 400 error, so the service does not send them
and the page disables the controls with a note. ``gpt-5-chat*`` models are not reasoning models.
Names are matched after an optional ``vendor/`` prefix ("openai/o3-mini" as some gateways
spell it). Anything unknown is assumed to accept everything; :meth:`LLMService.probe_logprobs`
asks the endpoint itself whether logprobs really come back.
"""

from __future__ import annotations

import re

from portal.i18n import t
from portal.llm.config import PRACTICE_MODEL_NAME
from portal.llm.types import Capabilities

_REASONING = re.compile(r"^(o1|o3|o4)(-|$)|^gpt-5(?!-chat)(\b|[-.])", re.IGNORECASE)


def is_reasoning_model(model: str) -> bool:
    name = model.strip().rsplit("/", 1)[-1]
    return bool(_REASONING.match(name))


def model_capabilities(model: str, provider: str | None = None) -> Capabilities:
    """Capabilities of ``model`` (on ``provider`` when known)."""
    if provider == "practice" or model == PRACTICE_MODEL_NAME:
        return Capabilities(supports_grounding=False, notes=(t("llm.grounded.practice_note"),))
    if is_reasoning_model(model):
        return Capabilities(
            supports_temperature=False,
            supports_top_p=False,
            supports_logprobs=False,
            reasoning=True,
            notes=(
                t("llm.capability.no_temperature", model=model),
                t("llm.capability.no_top_p", model=model),
                t("llm.capability.no_logprobs", model=model),
            ),
        )
    return Capabilities()

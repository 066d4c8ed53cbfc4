"""LLM service layer for the prompt sandbox (no Streamlit here).

Public API (import from ``portal.llm``):

* configuration: :class:`EndpointConfig`, :data:`PRESETS`, :func:`endpoint_from_settings`
* sending: :class:`LLMService` (``stream_chat``, ``chat``, ``capabilities``, ``list_models``,
  ``probe_logprobs``, ``next_token_candidates``), :class:`ChatRequest`, :class:`ChatMessage`,
  events :class:`TextDelta` / :class:`StreamDone`, :class:`Usage`, :class:`LLMError`
* capabilities: :func:`model_capabilities`, :class:`Capabilities`
* practice model: :class:`PracticeModel`, :func:`default_practice_model`, :func:`load_lesson_texts`
* explorer: :func:`next_token_distribution`, :func:`sample_next_tokens`,
  :func:`explore_next_token`, :func:`distribution_from_logprobs`, :func:`sample_counts`
* retrieval: :class:`Passage`, :class:`Retriever`, :func:`passages_from_markdown`,
  :func:`build_grounded_messages`, :func:`load_course_passages`

See docs/llm.md.
"""

from portal.llm.capabilities import is_reasoning_model, model_capabilities
from portal.llm.config import (
    PRACTICE_MODEL_NAME,
    PRESETS,
    PROVIDERS,
    EndpointConfig,
    Preset,
    endpoint_from_settings,
)
from portal.llm.errors import LLMError, map_exception
from portal.llm.explorer import (
    END_OF_TEXT,
    NextTokenView,
    distribution_from_logprobs,
    explore_next_token,
    next_token_distribution,
    sample_counts,
    sample_next_tokens,
)
from portal.llm.practice import PracticeModel, TokenProb, default_practice_model, load_lesson_texts
from portal.llm.retrieval import (
    Passage,
    Retriever,
    build_grounded_messages,
    load_course_passages,
    passages_from_markdown,
)
from portal.llm.sampling import apply_temperature, apply_top_p
from portal.llm.service import SHARED_COOLDOWNS, Cooldowns, LLMService, validate_request
from portal.llm.types import (
    Capabilities,
    ChatMessage,
    ChatRequest,
    StreamDone,
    StreamEvent,
    TextDelta,
    TokenLogprob,
    Usage,
)

__all__ = [
    "END_OF_TEXT",
    "PRACTICE_MODEL_NAME",
    "PRESETS",
    "PROVIDERS",
    "SHARED_COOLDOWNS",
    "Capabilities",
    "ChatMessage",
    "ChatRequest",
    "Cooldowns",
    "EndpointConfig",
    "LLMError",
    "LLMService",
    "NextTokenView",
    "Passage",
    "PracticeModel",
    "Preset",
    "Retriever",
    "StreamDone",
    "StreamEvent",
    "TextDelta",
    "TokenLogprob",
    "TokenProb",
    "Usage",
    "apply_temperature",
    "apply_top_p",
    "build_grounded_messages",
    "default_practice_model",
    "distribution_from_logprobs",
    "endpoint_from_settings",
    "explore_next_token",
    "is_reasoning_model",
    "load_course_passages",
    "load_lesson_texts",
    "map_exception",
    "model_capabilities",
    "next_token_distribution",
    "passages_from_markdown",
    "sample_counts",
    "sample_next_tokens",
    "validate_request",
]

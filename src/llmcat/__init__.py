"""llmcat: a verified catalog of open LLMs, datasets and training toolkits."""

__version__ = "0.1.0"

"""manyhats: self-hosted social media management."""

__version__ = "0.1.0"

"""termbank: English-Spanish terminology and translation memory for defense translators."""

__version__ = "0.1.0"

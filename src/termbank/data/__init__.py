"""Data files shipped with termbank (segmentation rules); read with ``importlib.resources``."""

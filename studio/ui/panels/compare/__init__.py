"""The Compare step (panel.py), its result views (results.py), words (texts.py) and background work (work.py)."""
from studio.ui.panels.compare.panel import ComparePanel

__all__ = ["ComparePanel"]

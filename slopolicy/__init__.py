"""slopolicy: policy as code for service level objectives and agreements."""
from __future__ import annotations

__version__ = "0.1.0"

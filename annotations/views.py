"""Views for highlights and discussion."""

from __future__ import annotations

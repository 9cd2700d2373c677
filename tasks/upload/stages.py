"""The stages of an ingestion, light to import (the exporter reads them without the pipeline's libraries)."""

from __future__ import annotations

#: Percent of completion at the start of each stage (the contract's).
STAGES = {"parsing": 10, "chunking": 30, "embedding": 50, "storing": 70, "finalizing": 90, "completed": 100}

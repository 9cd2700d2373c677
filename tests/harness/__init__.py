"""Test harness shared by every area: real Redis, real workers, waiting helpers."""

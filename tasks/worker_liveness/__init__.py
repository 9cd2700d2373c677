"""Worker heartbeats in Redis and the reaper that requeues a dead worker's messages."""

from tasks.worker_liveness.monitor import LivenessMonitor

__all__ = ["LivenessMonitor"]

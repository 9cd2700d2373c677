"""Worker liveness: heartbeats, the reaper of a dead worker's messages, poison counting, the consumer watchdog."""

from tasks.liveness.heartbeat import alive
from tasks.liveness.loop import LivenessMonitor

__all__ = ["LivenessMonitor", "alive"]

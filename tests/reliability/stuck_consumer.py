"""A test-only remote control command that leaves a worker's consumer stuck, as upstream bugs do.

Loaded into test workers through TASKS_WORKER__EXTRA_TASK_MODULES. Unlike `cancel_consumer`,
it leaves the worker believing it still consumes its queues: only the broker channel stops.
"""

from __future__ import annotations

from typing import Any

from celery.worker.control import control_command


@control_command()
def testing_drop_task_consumer(state: Any) -> dict[str, list[str]]:
    """Cancel the task consumer's queues behind the worker's back."""
    consumer = state.consumer.task_consumer
    names = [queue.name for queue in consumer.queues]
    for name in names:
        consumer.cancel_by_queue(name)
    return {"ok": names}

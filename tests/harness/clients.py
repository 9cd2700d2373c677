"""Client apps for the tests: the platform's configuration with some settings replaced."""

from __future__ import annotations

from typing import Any

from celery import Celery


def client_app(**settings_overrides: Any) -> Celery:
    """A Celery app configured like the platform's, e.g. `client_app(broker_url=amqp_url)`."""
    import celeryconfig
    from tasks.broker.publish import PipelinedCelery
    from tasks.settings import Settings

    client = PipelinedCelery("client", set_as_current=False)
    client.config_from_object(celeryconfig.build(Settings(**settings_overrides)))
    return client

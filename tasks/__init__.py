from tasks.application import app

__all__ = ["app"]

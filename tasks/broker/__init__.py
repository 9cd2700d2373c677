"""The platform's Redis broker transport: no message is ever held only in a worker's memory."""

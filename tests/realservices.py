"""Real services for tests: a throwaway Redis we can stop, an SMTP server, a Celery worker."""

import contextlib
import socket
import subprocess
import tempfile
import time


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThrowawayRedis:
    """A redis-server of our own on a free port, so a test can stop and restart it without
    touching the shared one."""

    def __init__(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="plp-redis-")
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir],
            stdout=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def celery_broker(url):
    """Point the Celery app at ``url`` for the block (its connection pools are rebuilt)."""
    from plp_portal.celery import app

    previous = app.conf.broker_url
    _reset_pools(app)
    app.conf.broker_url = url
    try:
        yield app
    finally:
        _reset_pools(app)
        app.conf.broker_url = previous


def _reset_pools(app):
    """Close the app's broker connections and forget the pools, so the next publish (eager
    ones too: Celery acquires a producer even for those) builds new ones for the current
    broker_url. kombu keeps pools in a process-wide registry keyed by connection: a closed pool
    would otherwise be handed out again ("Acquire on closed pool")."""
    from kombu import pools

    with contextlib.suppress(Exception):
        app.pool.force_close_all()
    app._pool = None
    with contextlib.suppress(Exception):
        app.amqp._producer_pool = None
    pools.reset()


@contextlib.contextmanager
def smtp_server(port=None):
    """An aiosmtpd SMTP server on ``port`` (default: a free one); yields (port, received
    messages)."""
    from email import message_from_bytes, policy

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            received.append(message_from_bytes(envelope.content, policy=policy.default))
            return "250 OK"

    port = port or free_port()
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


def wait_until(condition, timeout=20.0, interval=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return False

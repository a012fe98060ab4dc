"""The Celery app of `scripts/bench --peer`: Celery on the same Redis as
Talenti's job spine, doing the same no-op work.

Isolation: the broker is a Redis database of its own (PEER_BROKER_URL, DB 15
by default) and every key kombu writes there carries a prefix unique to the
run (``global_keyprefix``), the queue name is unique to the run too, and the
driver (bench.py) deletes every key with that prefix before and after.

Settings are Celery's defaults except:
- no result backend and ``task_ignore_result=True``: nothing is written
  after a task runs (Talenti records every outcome in Postgres, so this
  favours Celery);
- the queue name and key prefix above;
- ``broker_connection_retry_on_startup=True``, only to silence a startup
  deprecation warning.

Defaults that matter to the figures:
- ``worker_prefetch_multiplier=4``: a solo worker (concurrency 1) reserves up
  to 4 messages ahead of the one it runs;
- ``task_acks_late=False``: a message is acknowledged (deleted from the
  transport's unacked hash) just before its task runs, not after;
- JSON serialisation, no compression, rate-limit checks on
  (``worker_disable_rate_limits=False``), worker heartbeats/gossip/mingle on.
"""

import os
import time

import redis
from celery import Celery

BROKER_URL = os.environ.get("PEER_BROKER_URL", "redis://127.0.0.1:6379/15")
QUEUE = os.environ.get("PEER_QUEUE", "talenti-peer")
PREFIX = os.environ.get("PEER_KEYPREFIX", "talenti-peer:")
# Keys the tasks write themselves (not through kombu, so prefixed by hand).
LATENCY_KEY = PREFIX + "latency-ms"
WARM_KEY = PREFIX + "warm"

app = Celery("peer", broker=BROKER_URL)
app.conf.update(
    task_ignore_result=True,
    task_default_queue=QUEUE,
    broker_transport_options={"global_keyprefix": PREFIX},
    broker_connection_retry_on_startup=True,
)

_data = None


def data():
    """This process's own Redis client for the keys the tasks write."""
    global _data
    if _data is None:
        _data = redis.Redis.from_url(BROKER_URL)
    return _data


@app.task(name="peer.noop")
def noop():
    """The drain task: a true no-op, like Talenti's `noop` kind."""


@app.task(name="peer.stamp")
def stamp(sent):
    """The latency task: start time − publish time (ms) to a list."""
    started = time.time()
    data().rpush(LATENCY_KEY, (started - sent) * 1000.0)


@app.task(name="peer.warm")
def warm():
    """Warm-up before the clock starts (connects this worker's data client)."""
    data().incr(WARM_KEY)

"""Driver of the Celery side of `scripts/bench --peer` (run by the Rust
harness with target/peer-venv's python; prints one JSON line at the end).

  bench.py drain   --jobs 20000 --workers 1 [--redis-url URL] [--log-dir DIR]
  bench.py latency --rate 200 --secs 20 --workers 1 [--redis-url URL] [--log-dir DIR]

Each run starts its own `celery worker -P solo --concurrency 1` processes on a
queue and key prefix unique to the run, waits until every worker answers a
ping and has run warm-up tasks, measures, then stops them (SIGTERM, a warm
shutdown) and deletes every key of the run.

drain: one producer (one connection) publishes the tasks with
`apply_async` in a loop: Celery has no bulk publish (a `group` also sends
its tasks one by one), and kombu's Redis transport does one LPUSH per
message. The clock runs from just before the first publish until the work is
done. The task is a true no-op (as Talenti's `noop` is), so "done" is read
from the broker instead of from something the task writes: every 25 ms the
driver reads the queue's length and the transport's unacked hash (the
messages workers have fetched but not yet started; acks are early, so a
message leaves that hash as its task starts). When both are empty, the
driver asks the workers (`inspect stats`, answered by a solo worker only
between tasks) how many `peer.noop` tasks they have run; if that is every
task, the run ended at that poll, else (a message between the worker's
BRPOP and its bookkeeping) polling goes on. The last task may still be
running at that poll: a no-op's run, microseconds.

latency: publishes single tasks at a steady rate; each carries time.time()
taken just before its apply_async, and the task pushes (its start time −
that) in ms to a Redis list.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["drain", "latency"])
    p.add_argument("--jobs", type=int, default=20_000)
    p.add_argument("--rate", type=int, default=200)
    p.add_argument("--secs", type=int, default=20)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    p.add_argument("--log-dir", default=None)
    return p.parse_args()


ARGS = parse_args()
RUN = uuid.uuid4().hex[:12]
os.environ["PEER_BROKER_URL"] = ARGS.redis_url
os.environ["PEER_QUEUE"] = f"talenti-peer-{RUN}"
os.environ["PEER_KEYPREFIX"] = f"talenti-peer-{RUN}:"
sys.path.insert(0, HERE)

import celery  # noqa: E402
import kombu  # noqa: E402
import redis  # noqa: E402

import peer_app  # noqa: E402

PREFIX = peer_app.PREFIX
QUEUE = peer_app.QUEUE
R = redis.Redis.from_url(ARGS.redis_url)


def clear():
    """Deletes every key of this run (kombu's, prefixed, and the tasks')."""
    n = 0
    batch = []
    for key in R.scan_iter(match=PREFIX.replace("*", r"\*") + "*", count=1000):
        batch.append(key)
        if len(batch) >= 500:
            n += R.delete(*batch)
            batch = []
    if batch:
        n += R.delete(*batch)
    return n


def start_workers(k):
    log_dir = ARGS.log_dir or os.path.join(HERE, "..", "..", "target", "test-logs")
    os.makedirs(log_dir, exist_ok=True)
    procs, names = [], []
    for i in range(k):
        name = f"w{i}-{RUN}"
        out = open(os.path.join(log_dir, f"celery-{name}.log"), "wb")
        cmd = [
            sys.executable, "-m", "celery", "-A", "peer_app", "worker",
            "-P", "solo", "--concurrency", "1",
            "-n", f"{name}@%h", "--loglevel", "WARNING", "-Q", QUEUE,
        ]
        procs.append(subprocess.Popen(cmd, cwd=HERE, stdout=out, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=os.environ.copy()))
        names.append(name)
    return procs, names


def wait_ready(procs, names, deadline=90.0):
    """Every worker answers a ping, then warm-up tasks round-trip."""
    app = peer_app.app
    start = time.monotonic()
    want = set(names)
    while True:
        for p in procs:
            if p.poll() is not None:
                raise SystemExit(f"a celery worker exited early (code {p.returncode})")
        replies = app.control.ping(timeout=0.5) or []
        got = {n.split("@", 1)[0] for r in replies for n in r}
        if want <= got:
            break
        if time.monotonic() - start > deadline:
            raise SystemExit(f"celery workers not answering after {deadline} s: {sorted(want - got)}")
    warm = 20 * len(names)
    with app.producer_pool.acquire(block=True) as producer:
        for _ in range(warm):
            peer_app.warm.apply_async(producer=producer)
    while int(R.get(peer_app.WARM_KEY) or 0) < warm:
        if time.monotonic() - start > deadline:
            raise SystemExit("celery warm-up tasks not run")
        time.sleep(0.025)


def stop_workers(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    codes = []
    for p in procs:
        try:
            codes.append(p.wait(timeout=20))
        except subprocess.TimeoutExpired:
            p.kill()
            codes.append(p.wait())
    return codes


def noop_runs(names):
    """Total `peer.noop` tasks the workers have run (None if one is silent)."""
    stats = peer_app.app.control.inspect(
        destination=[f"{n}@{os.uname().nodename}" for n in names], timeout=2.0
    ).stats() or {}
    if len(stats) < len(names):
        return None
    return sum(s.get("total", {}).get("peer.noop", 0) for s in stats.values())


def drain(n, names):
    app = peer_app.app
    unacked = PREFIX + "unacked"
    with app.producer_pool.acquire(block=True) as producer:
        t0 = time.perf_counter()
        for _ in range(n):
            peer_app.noop.apply_async(producer=producer)
        published = time.perf_counter() - t0
    confirms = 0
    while True:
        pipe = R.pipeline(transaction=False)
        pipe.llen(PREFIX + QUEUE)
        pipe.hlen(unacked)
        queued, fetched = pipe.execute()
        if queued == 0 and fetched == 0:
            at = time.perf_counter()
            confirms += 1
            ran = noop_runs(names)
            if ran is not None and ran >= n:
                if ran != n:
                    raise SystemExit(f"{ran} no-op tasks ran for {n} published")
                break
        if time.perf_counter() - t0 > 600:
            raise SystemExit("celery drain not done after 600 s")
        time.sleep(0.025)
    total = at - t0
    return {
        "jobs": n,
        "secs": total,
        "jobs_per_s": n / total,
        "publish_secs": published,
        "confirms": confirms,
    }


def latency(rate, secs, names):
    app = peer_app.app
    total = rate * secs
    every = 1.0 / rate
    with app.producer_pool.acquire(block=True) as producer:
        t0 = time.perf_counter()
        for i in range(total):
            wait = t0 + i * every - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            sent = time.time()
            peer_app.stamp.apply_async((sent,), producer=producer)
        published = time.perf_counter() - t0
    deadline = time.monotonic() + 120
    while R.llen(peer_app.LATENCY_KEY) < total:
        if time.monotonic() > deadline:
            raise SystemExit("celery latency tasks not all run after 120 s")
        time.sleep(0.025)
    ms = sorted(float(v) for v in R.lrange(peer_app.LATENCY_KEY, 0, -1))

    def pct(p):
        return ms[round((len(ms) - 1) * p)]

    return {
        "jobs": total,
        "rate": rate,
        "publish_rate": total / published,
        "p50": pct(0.50),
        "p90": pct(0.90),
        "p99": pct(0.99),
        "max": ms[-1],
    }


def main():
    clear()
    procs, names = start_workers(ARGS.workers)
    try:
        wait_ready(procs, names)
        if ARGS.mode == "drain":
            out = drain(ARGS.jobs, names)
        else:
            out = latency(ARGS.rate, ARGS.secs, names)
    finally:
        codes = stop_workers(procs)
        left = clear()
    if any(c != 0 for c in codes):
        raise SystemExit(f"celery workers exited with {codes}")
    out.update(
        mode=ARGS.mode,
        workers=ARGS.workers,
        keys_cleared=left,
        versions={
            "python": sys.version.split()[0],
            "celery": celery.__version__,
            "kombu": kombu.__version__,
            "redis-py": redis.__version__,
        },
    )
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()

"""gunicorn's settings for this project: ``gunicorn -c config/gunicorn.py config.wsgi``, in
production (README, Production) and in the bench's servers (bench/load.py,
bench/auth_load.py). A setting given on the command line (or in ``GUNICORN_CMD_ARGS``)
overrides the one here.

- Threaded workers (``gthread``): a refused client is held a moment
  (``REGISTRY_REFUSAL_DELAY``) in a sleeping thread, not in a whole worker process.
- ``2 × cores + 1`` workers of ``GUNICORN_THREADS`` threads (4). Measured under the bench's
  load on 2 cores (``make load``, SCALE 1): with 16 threads a worker completed 48–62 of
  68.6 req/s offered and saturated at 60–65 req/s; with 4, 67 and 94. A worker's threads
  share one interpreter lock, and many threads of one process mostly wait on each other.
- A worker accepts only as many connections as it has threads (``worker_connections``):
  gthread's default (1,000) let a busy worker take connections it could not serve yet
  while the others had nothing to do, and they waited there for seconds. Left in the
  listening socket's queue, they go to whichever worker frees a thread first. (A client's
  idle keep-alive connection then holds a thread's place for ``keepalive`` seconds: the
  TLS proxy in front keeps the clients' connections, not gunicorn.)
- Once a worker has loaded the application, what it holds then (modules, URL patterns,
  settings: about 190k objects) is taken out of the garbage collector's view
  (``gc.freeze``). Python's full collections otherwise walked them all: measured
  in-process on the SCALE 1 data, one full collection every ~300 searches took 92–188 ms,
  with the interpreter lock held, so every thread of the worker waited; after the freeze
  the collector tracks ~16k objects and made no full collection in 300 searches.
"""

import gc
import os

worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_connections = threads
try:
    _cores = len(os.sched_getaffinity(0))
except AttributeError:  # not Linux
    _cores = os.cpu_count() or 1
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * _cores + 1)))
timeout = 60


def post_worker_init(worker):
    gc.freeze()

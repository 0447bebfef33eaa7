"""Process-pool initialiser, kept free of heavy imports so it runs before polars loads."""

import os


def init() -> None:
    # one polars thread per worker process: the pool already uses every core
    os.environ.setdefault("POLARS_MAX_THREADS", "1")

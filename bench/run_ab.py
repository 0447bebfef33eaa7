"""Whole `curate run --workers 1` runs of several variants (a source tree and extra environment),
alternated, each in a child process: CPU (user, system), minor page faults and peak RSS.

    /work/main/.venv/bin/python bench/run_ab.py bench/_work/web-200k.jsonl 3 \
        '[["base9", "/work/wt/base9", {}], ["this", ".", {}]]' [bench/every.yaml]

The third argument is a JSON list of [label, tree, {extra environment}] (e.g.
{"_RJEM_MALLOC_CONF": "oversize_threshold:0"}). Round r runs the variants in order, the next
round in reverse order. The run: the heuristic rule set (or the fourth argument's), `hf`
output and the report, one polars thread. On a shared machine a whole run swings by +-2 CPU
s: compare alternated runs only.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PYTHON = os.environ.get("CURATE_PYTHON", "/work/main/.venv/bin/python")


def main() -> None:
    corpus = str(Path(sys.argv[1]).resolve())
    rounds = int(sys.argv[2])
    rules = str(Path(sys.argv[4]).resolve()) if len(sys.argv) > 4 else str(HERE / "heuristic.yaml")
    variants = [
        (label, str(Path(tree).resolve()), env) for label, tree, env in json.loads(sys.argv[3])
    ]
    res: dict[str, list[tuple[float, float, int, int]]] = {v[0]: [] for v in variants}
    for r in range(rounds):
        for label, tree, extra in variants if r % 2 == 0 else variants[::-1]:
            tmp = tempfile.mkdtemp(dir=HERE / "_work")
            env = dict(os.environ, PYTHONPATH=tree, POLARS_MAX_THREADS="1", **extra)
            cmd = [PYTHON, "-m", "curate", "run", corpus, "--rules", rules]
            cmd += ["--out", f"{tmp}/out", "--report-dir", f"{tmp}/rep", "--quiet"]
            cmd += ["--workers", "1"]
            # cwd: `python -m` puts the working directory first on sys.path, before PYTHONPATH
            proc = subprocess.Popen(
                cmd, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            _, status, ru = os.wait4(proc.pid, 0)
            shutil.rmtree(tmp)
            if status:
                sys.exit(f"{label}: {proc.stderr.read().decode()[-2000:]}")
            res[label].append((ru.ru_utime, ru.ru_stime, ru.ru_minflt, ru.ru_maxrss))
            print(
                f"{label:12} user {ru.ru_utime:6.2f} sys {ru.ru_stime:5.2f} CPU "
                f"{ru.ru_utime + ru.ru_stime:6.2f} minor faults {ru.ru_minflt:9,} peak RSS "
                f"{ru.ru_maxrss // 1024} MiB (load {os.getloadavg()[0]:.1f})",
                flush=True,
            )
    for label, runs in res.items():
        cpu = [u + s for u, s, _, _ in runs]
        sys_mean = sum(s for _, s, _, _ in runs) / len(runs)
        print(
            f"{label:12} mean CPU {sum(cpu) / len(cpu):6.2f} (sys {sys_mean:.2f}), "
            f"best {min(cpu):.2f}"
        )


if __name__ == "__main__":
    main()

"""`curate run --engine ray` on a real local Ray cluster equals a local run, also if a worker dies.

The cluster is started the way a user starts a head node (`ray start --head`, token authentication
on), in its own session so that teardown ends exactly its processes: `ray stop` would end every Ray
process on the machine, other users' clusters included. The corpus is hand-written: several
thousand documents over several shards (jsonl files and a parquet file), with boilerplate lines,
pasted-twice bodies, cut-off endings, other languages, empty and broken rows.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_jsonl, write_rules
from tests.ray_cluster import ROOT, Cluster, free_port, with_this_checkout

# -- the corpus ------------------------------------------------------------------------------------

WORDS = (
    "river market school engine garden paper winter table window village doctor signal "
    "harbour museum bridge kitchen forest letter answer station island morning"
).split()
VERBS = "opened carried followed measured painted repaired visited counted described".split()
OTHER = {  # a few hand-written sentences per language, enough for a language guess
    "id": "Pemerintah kota membuka pasar baru di dekat sungai pada hari Senin pagi.",
    "fr": "Le conseil municipal a ouvert un nouveau marché près de la rivière lundi matin.",
    "de": "Der Stadtrat hat am Montagmorgen einen neuen Markt in der Nähe des Flusses eröffnet.",
    "es": "El ayuntamiento abrió un nuevo mercado cerca del río el lunes por la mañana.",
}
BOILERPLATE = [
    "Share this article",
    "Subscribe to our newsletter",
    "A A A",
    "Read more",
    "We use cookies to improve your experience",
    "Baca juga: berita lainnya",
    "(esn)",
]


def _sentence(rng: random.Random) -> str:
    w = rng.sample(WORDS, 5)
    verb = rng.choice(VERBS)
    return f"The {w[0]} near the {w[1]} {verb} the {w[2]} of the {w[3]} and the {w[4]}."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))


def _document(rng: random.Random, i: int) -> str | None:
    kind = i % 9
    body = [_paragraph(rng) for _ in range(rng.randint(1, 3))]
    if kind == 1:  # page furniture around the article
        body = [rng.choice(BOILERPLATE), *body, rng.choice(BOILERPLATE), rng.choice(BOILERPLATE)]
    elif kind == 2:  # the body pasted twice
        body = body + body
    elif kind == 3:  # cut off mid-sentence
        body[-1] = body[-1].rsplit(" ", 3)[0]
    elif kind == 4:
        lang = rng.choice(sorted(OTHER))
        body = [" ".join([OTHER[lang]] * rng.randint(1, 3))]
    elif kind == 5 and i % 45 == 5:
        return ""
    elif kind == 6 and i % 54 == 6:
        return None
    return "\n\n".join(body) if rng.random() < 0.7 else "\n".join(body)


def make_corpus(folder: Path, files: int = 4, per_file: int = 500, parquet_rows: int = 400) -> int:
    """jsonl files plus one parquet file; returns the number of rows (a broken line included)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(20261128)
    folder.mkdir(parents=True)
    n = 0
    for f in range(files):
        rows = [
            {"id": f"f{f}-{i}", "text": _document(rng, n + i), "source": f"site{i % 7}"}
            for i in range(per_file)
        ]
        path = write_jsonl(folder / f"part-{f}.jsonl", rows)
        n += per_file
        if f == 0:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write('{"id": "broken", "text": "no closing quote}\n')
            n += 1
    texts = [_document(rng, n + i) for i in range(parquet_rows)]
    table = pa.table(
        {
            "id": [f"pq-{i}" for i in range(parquet_rows)],
            "text": texts,
            "source": ["parquet"] * parquet_rows,
        }
    )
    pq.write_table(table, folder / "more.parquet", row_group_size=200)
    return n + parquet_rows


def corpus_rules_yaml() -> str:
    """The default rules, plus every registered corpus-level rule so the first pass runs too."""
    from curate.checks import all_rules

    lines = [
        "name: ray-test",
        "rules:",
        "  - rule: boilerplate-lines",
        "    action: strip",
        "  - rule: repeated-paragraphs",
        "    action: strip",
        "  - rule: language-mismatch",
        "    action: flag",
        "    expected: [en]",
        "  - rule: truncated-text",
        "    action: flag",
    ]
    listed = {"boilerplate-lines", "repeated-paragraphs", "language-mismatch", "truncated-text"}
    for name, cls in all_rules().items():
        if cls.needs_corpus and name not in listed:
            action = "flag" if "flag" in cls.actions else cls.actions[0]
            lines += [f"  - rule: {name}", f"    action: {action}"]
    return "\n".join(lines) + "\n"


def has_corpus_rules() -> bool:
    from curate.checks import all_rules

    return any(c.needs_corpus for c in all_rules().values())


# -- a real Ray cluster ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("ray")
    if not Path("/proc/self/stat").exists():
        pytest.skip("the cluster helper finds its processes in /proc (Linux)")
    # starts in the background: the local reference run goes on meanwhile
    c = Cluster(num_cpus=2)
    try:
        yield c
    finally:
        c.stop()


# -- runs ------------------------------------------------------------------------------------------


def curate(*args, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: int = 180):
    return subprocess.run(
        [sys.executable, "-m", "curate", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    root = tmp_path_factory.mktemp("ray")
    rows = make_corpus(root / "corpus")
    rules = write_rules(root / "rules.yaml", corpus_rules_yaml())
    return root, rows, rules


def run_curate(corpus, name: str, *engine: str, env=None):
    # relative paths, as a user types them: Ray workers run elsewhere and must still find them
    root, _, rules = corpus
    res = curate(
        "run",
        "corpus",
        "--rules",
        rules.name,
        "--out",
        name,
        "--report-dir",
        f"{name}-report",
        "--name",
        "corpus",
        "--quiet",
        *engine,
        env=env,
        cwd=root,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    return root / name, json.loads((root / f"{name}-report" / "report.json").read_text())


@pytest.fixture(scope="module")
def local_run(corpus):
    return run_curate(corpus, "local", "--engine", "local", "--workers", "1")


def rows_of(out: Path) -> dict[str, list[dict]]:
    from datasets import load_from_disk

    dd = load_from_disk(str(out))
    return {split: dd[split].to_list() for split in dd}


RUN_KEYS_THAT_DIFFER = {"seconds", "engine", "workers", "command"}


def comparable(report: dict) -> dict:
    report = dict(report)
    report["run"] = {k: v for k, v in report["run"].items() if k not in RUN_KEYS_THAT_DIFFER}
    return report


def assert_same_as_local(local_run, out: Path, report: dict, rows: int) -> None:
    local_out, local_report = local_run
    assert report["documents"]["input"] == rows
    assert report["documents"]["unreadable"] >= 2  # the broken line and the null text
    assert comparable(report) == comparable(local_report)
    got, want = rows_of(out), rows_of(local_out)
    assert set(got) == {"train", "rejected"}
    assert {k: len(v) for k, v in got.items()} == {k: len(v) for k, v in want.items()}
    assert got == want  # every row, text and flag, in the same order


# -- tests -----------------------------------------------------------------------------------------


@pytest.mark.ray
def test_ray_cluster_run_equals_local_run(cluster, corpus, local_run):
    out, report = run_curate(
        corpus, "ray", "--engine", "ray", "--ray-address", cluster.address, env=cluster.driver_env()
    )
    assert report["run"]["engine"] == "ray"
    assert report["run"]["shards"] == 5  # four jsonl files and one parquet file: five tasks
    flags = [f for row in rows_of(out)["train"] for f in row["curate_flags"]]
    assert {
        "boilerplate-lines",
        "repeated-paragraphs",
        "language-mismatch",
        "truncated-text",
    } <= set(flags)  # the corpus exercises every rule
    assert_same_as_local(local_run, out, report, corpus[1])


@pytest.mark.ray
def test_killed_worker_is_retried_and_output_is_identical(cluster, corpus, local_run, tmp_path):
    # a shard's task kills its own worker process once, after writing its part files and before
    # handing back its statistics: Ray retries it and the retry overwrites those files
    markers = tmp_path / "killed"
    markers.mkdir()
    env = cluster.driver_env(CURATE_TEST_RAY_KILL_ONCE=str(markers))
    out, report = run_curate(
        corpus, "ray-killed", "--engine", "ray", "--ray-address", cluster.address, env=env
    )
    killed = {p.name for p in markers.iterdir()}  # written just before the worker killed itself
    assert "process_shard" in killed
    if has_corpus_rules():
        assert "collect_shard" in killed
    assert_same_as_local(local_run, out, report, corpus[1])


@pytest.mark.ray
def test_private_local_ray_equals_local_run(corpus, local_run):
    # no --ray-address: curate starts a Ray instance of its own, with a token of its own
    pytest.importorskip("ray")
    env = with_this_checkout({k: v for k, v in os.environ.items() if not k.startswith("RAY_")})
    home = corpus[0] / "home"  # Ray must not write a token into the user's ~/.ray
    home.mkdir()
    out, report = run_curate(
        corpus, "ray-private", "--engine", "ray", "--workers", "2", env=dict(env, HOME=str(home))
    )
    assert report["run"]["engine"] == "ray"
    assert not (home / ".ray").exists()
    assert_same_as_local(local_run, out, report, corpus[1])


@pytest.mark.ray
def test_wrong_token_is_one_clear_line(cluster, corpus, tmp_path):
    root, _, rules = corpus
    # a short connection window: Ray retries for 20 s before it gives up on a refused token
    env = cluster.driver_env(RAY_AUTH_TOKEN="0" * 64, RAY_gcs_server_port_wait_time_s="1")
    res = curate(
        "run",
        root / "corpus",
        "--rules",
        rules,
        "--out",
        tmp_path / "out",
        "--quiet",
        "--engine",
        "ray",
        "--ray-address",
        cluster.address,
        env=env,
    )
    assert res.returncode == 2, res.stderr[-2000:]
    last = res.stderr.strip().splitlines()[-1]
    assert last.startswith("curate: error: --ray-address 127.0.0.1:")
    assert "InvalidAuthToken" in last and "ray get-auth-token" in last
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.ray
def test_no_cluster_at_the_address_is_one_clear_line(corpus, tmp_path):
    pytest.importorskip("ray")
    root, _, rules = corpus
    address = f"127.0.0.1:{free_port()}"  # nobody listens: answered at once, not after Ray's 40 s
    res = curate(
        "run",
        root / "corpus",
        "--rules",
        rules,
        "--out",
        tmp_path / "out",
        "--quiet",
        "--engine",
        "ray",
        "--ray-address",
        address,
        env=with_this_checkout(os.environ),
    )
    assert res.returncode == 2, res.stderr[-2000:]
    assert res.stderr.strip().splitlines() == [
        f"curate: error: --ray-address {address}: no Ray cluster answers there (Connection "
        "refused); start one with `ray start --head --port=PORT` (see docs/ray.md)"
    ]
    assert list(tmp_path.iterdir()) == []  # nothing written


def test_engine_ray_without_ray_is_one_line_exit_2(tmp_path):
    # a `ray` that cannot be imported, ahead of any installed one
    fake = tmp_path / "noray" / "ray"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no ray here')\n")
    src = write_jsonl(tmp_path / "in.jsonl", [{"text": "A short line of text."}])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(fake.parent), str(ROOT)]))
    res = curate(
        "run",
        src,
        "--rules",
        "default",
        "--out",
        tmp_path / "out",
        "--quiet",
        "--engine",
        "ray",
        env=env,
    )
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "curate: error: --engine ray needs Ray: pip install 'curate[ray]' "
        "(or pip install 'ray[default]')"
    ]
    assert not (tmp_path / "out").exists()


PROBE = """
import os


def count(shared, i):
    # tasks treat shared arguments as read-only; this probe marks its copy to see it again
    shared["seen"] = shared.get("seen", 0) + 1
    return os.getpid(), shared["seen"], shared["size"], i
"""

DRIVER = """
import json, sys
import probe
from curate import _ray

shared = {"size": 123}
n = 12
out = _ray.map_tasks(probe.count, [(shared, i) for i in range(n)], None, [1] * n, None, 2)
print(json.dumps(out))
"""


@pytest.mark.ray
def test_shared_arguments_are_unpickled_once_per_worker(tmp_path):
    # the corpus pass's results go to every shard's task: a worker process unpickles them once
    # for all its tasks, not once per task (~18 MB at 200,000 documents)
    pytest.importorskip("ray")
    (tmp_path / "probe.py").write_text(PROBE)
    (tmp_path / "driver.py").write_text(DRIVER)
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env = with_this_checkout(dict(env, HOME=str(tmp_path), PYTHONPATH=str(tmp_path)))
    res = subprocess.run(
        [sys.executable, str(tmp_path / "driver.py")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert [i for _, _, _, i in out] == list(range(12))  # every task, in order
    assert {size for _, _, size, _ in out} == {123}
    seen: dict[int, list[int]] = {}
    for pid, count, _, _ in out:
        seen.setdefault(pid, []).append(count)
    # each worker saw one object, marked once per task it ran: 1, 2, 3, ...
    assert all(sorted(c) == list(range(1, len(c) + 1)) for c in seen.values())
    assert max(len(c) for c in seen.values()) > 1  # 12 tasks on 2 CPUs: workers were reused

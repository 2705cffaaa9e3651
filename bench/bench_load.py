"""20 students at once against one `streamlit run app.py` on 127.0.0.1.

Each student is a websocket client speaking the browser's own protocol (Streamlit's BackMsg /
ForwardMsg protobufs): it loads the page, presses the button whose label starts with "Train",
and waits for the metrics table. 20 real browsers would measure Chromium rendering on 2 cores,
not the server. Reports completions, errors (exception elements, timeouts), p50 / p95 time from
pressing Train to the metrics, and the server's peak memory (VmHWM). Rounds on fresh servers, each
on the app's default engine (an embedded Dask cluster, started at the first page load):
  shared    every student trains the airline preset as is: the engine trains it once;
  distinct  every student uses its own seed, so every one trains (the worst case for 2 cores); run
            with 1 worker and with 2, and the ratio of their walls printed (the cores really used);
  replicas  two `streamlit run` servers on one `dask scheduler` with two `dask worker` processes, the
            students split across them, all on the airline preset: trainings run counts the training
            tasks the scheduler ran (its task stream), so 1 means the two servers shared the run.
Before each round one warm-up student (its own seed) loads the page, which starts the engine, and
trains once: the rounds measure a server that is up, the `ready` line its cold start.
    python bench/bench_load.py [--students 20] [--skip-distinct] [--rounds shared,distinct,replicas]
"""
import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.browser import Server, free_port  # noqa: E402

WARM_SEED = 99  # the warm-up student's seed: no round's student uses it
# A stock scheduler and workers configured as the engine configures its embedded cluster (README,
# "Serving a course"): exact queue places, one retry after a worker dies, no sampling profiler.
DASK_ENV = {"DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION": "1.0",
            "DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": "1",
            "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False"}


async def student(url: str, seed: int | None, timeout: float) -> float:
    """Seconds from pressing Train to the metrics table; raises on an exception element or timeout."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None,
                                  origin=url, open_timeout=timeout) as ws:
        widgets: dict[str, str] = {}  # label -> widget id
        page_hash = ""

        async def rerun(states=()):
            msg = BackMsg()
            msg.rerun_script.query_string = ""
            msg.rerun_script.page_script_hash = page_hash
            for wid, setter in states:
                w = msg.rerun_script.widget_states.widgets.add()
                w.id = wid
                setter(w)
            await ws.send(msg.SerializeToString())

        async def until(stop) -> None:
            while True:
                fm = ForwardMsg()
                fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
                kind = fm.WhichOneof("type")
                if kind == "new_session":
                    nonlocal page_hash
                    page_hash = fm.new_session.main_script_hash
                elif kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                    el = fm.delta.new_element
                    which = el.WhichOneof("type")
                    if which == "exception":
                        raise RuntimeError(f"exception on the page: {el.exception.message}")
                    if which == "alert" and el.alert.format == el.alert.ERROR:
                        raise RuntimeError(f"error on the page: {el.alert.body}")
                    widget = getattr(el, which, None)
                    if widget is not None and hasattr(widget, "id") and hasattr(widget, "label"):
                        widgets[widget.label] = widget.id
                if stop(fm, kind):
                    return

        await rerun()
        await until(lambda fm, kind: kind == "script_finished")
        if seed is not None:
            await rerun([(widgets["Seed"], lambda w: setattr(w, "double_value", seed))])
            await until(lambda fm, kind: kind == "script_finished")
        train = next(wid for label, wid in widgets.items() if label.startswith("Train"))
        start = time.perf_counter()
        await rerun([(train, lambda w: setattr(w, "trigger_value", True))])
        await until(lambda fm, kind: kind == "delta" and fm.delta.WhichOneof("type") == "new_element"
                    and fm.delta.new_element.WhichOneof("type") == "table")
        return time.perf_counter() - start


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def page_load(url: str, timeout: float) -> None:
    """One page load, to its script's end (what a student sees first)."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    async with websockets.connect(url.replace("http://", "ws://") + "/_stcore/stream", subprotocols=["streamlit"],
                                  max_size=None, origin=url, open_timeout=timeout) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = ""
        await ws.send(msg.SerializeToString())
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(ws.recv(), timeout))
            if fm.WhichOneof("type") == "script_finished":
                return


async def crowd(urls: list[str], n: int, distinct: bool, timeout: float):
    tasks = [student(urls[k % len(urls)], 100 + k if distinct else None, timeout) for k in range(n)]
    return await asyncio.gather(*tasks, return_exceptions=True)


def start_server(env: dict | None = None) -> tuple[Server, float, float]:
    """A server, the seconds from its start to its first page drawn, and its warm-up run's time to results."""
    t0 = time.perf_counter()
    srv = Server(env)
    try:
        asyncio.run(page_load(srv.url, 120))
        ready = time.perf_counter() - t0
        warm = asyncio.run(student(srv.url, WARM_SEED, 300))
    except BaseException:
        srv.stop()
        raise
    return srv, ready, warm


def report(name: str, n: int, out: list, wall: float, rss: float, tail: str = "") -> float:
    times = sorted(x for x in out if isinstance(x, float))
    errors = [x for x in out if not isinstance(x, float)]
    p95 = times[max(0, int(round(0.95 * len(times))) - 1)] if times else float("nan")
    p50 = statistics.median(times) if times else float("nan")
    print(f"{name:8s}: {len(times)}/{n} completed, {len(errors)} errors; time to results p50 {p50:.1f} s, "
          f"p95 {p95:.1f} s; wall {wall:.0f} s; server peak RSS {rss:.0f} MB{tail}", flush=True)
    for e in errors[:3]:
        print(f"   error: {type(e).__name__}: {str(e)[:200]}")
    return wall


def round_(name: str, n: int, distinct: bool, timeout: float, env: dict | None = None, tail: str = "") -> float:
    """One round on a fresh server with the embedded engine; its wall time."""
    srv, ready, warm = start_server(env)
    try:
        print(f"ready   : {name} server drew its first page {ready:.1f} s after it started; the first run "
              f"(engine starting) took {warm:.1f} s to results", flush=True)
        t = time.perf_counter()
        out = asyncio.run(crowd([srv.url], n, distinct, timeout))
        return report(name, n, out, time.perf_counter() - t, peak_rss_mb(srv.proc.pid), tail)
    finally:
        srv.stop()


def ready_round(repeats: int) -> None:
    """Cold starts alone: a fresh server each time, its first page, then one run (the engine starting)."""
    readies, warms = [], []
    for _ in range(repeats):
        srv, ready, warm = start_server()
        srv.stop()
        readies.append(ready)
        warms.append(warm)
    print(f"ready   : first page drawn {statistics.median(readies):.1f} s after the server started (median of "
          f"{repeats}: {', '.join(f'{x:.1f}' for x in readies)}; target <= 5 s); the first run then took "
          f"{statistics.median(warms):.1f} s to results", flush=True)


def _dask(*args: str, log: str) -> subprocess.Popen:
    env = {**os.environ, **DASK_ENV, "PYTHONPATH": str(ROOT)}  # workers import lstmviz (the project installed)
    out = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"lstmviz-{log}.log", "w")
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]], cwd=ROOT,
                            stdout=out, stderr=subprocess.STDOUT, env=env)


def _until_workers(address: str, n: int, timeout: float = 120):
    from distributed import Client
    client = Client(address, timeout=timeout, set_as_default=False)
    client.wait_for_workers(n, timeout=timeout)
    return client


def replicas(n: int, timeout: float) -> None:
    """Two app servers on one `dask scheduler` and two `dask worker` processes, the students split."""
    from distributed import get_task_stream

    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [_dask("scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0",
                   log="scheduler")]
    servers = []
    try:
        procs += [_dask("worker", address, "--nthreads", "1", "--nworkers", "1", "--host", "127.0.0.1",
                        "--no-dashboard", log=f"worker-{k}") for k in range(2)]
        client = _until_workers(address, 2)
        for _ in range(2):
            srv, ready, warm = start_server({"LSTMVIZ_SCHEDULER": address})
            servers.append(srv)
            print(f"ready   : replica server drew its first page {ready:.1f} s after it started; its warm-up "
                  f"run took {warm:.1f} s to results", flush=True)
        with get_task_stream(client) as stream:
            t = time.perf_counter()
            out = asyncio.run(crowd([s.url for s in servers], n, False, timeout))
            wall = time.perf_counter() - t
        trained = sum(1 for e in stream.data if str(e.get("key", "")).startswith("lstmviz-run-"))
        rss = max(peak_rss_mb(s.proc.pid) for s in servers)
        report("replicas", n, out, wall, rss, f"; 2 servers, 1 scheduler, 2 workers; trainings run {trained}")
        client.close()
    finally:
        for srv in servers:
            srv.stop()
        for p in reversed(procs):  # workers first, then the scheduler
            p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=20)
    ap.add_argument("--timeout", type=float, default=300)
    ap.add_argument("--skip-distinct", action="store_true")
    ap.add_argument("--rounds", default="ready,shared,distinct,replicas")
    ap.add_argument("--ready-repeats", type=int, default=3, help="servers started for the ready round")
    args = ap.parse_args()
    rounds = set(args.rounds.split(",")) - ({"distinct"} if args.skip_distinct else set())
    print(f"machine : {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start", flush=True)
    if "ready" in rounds:
        ready_round(args.ready_repeats)
    if "shared" in rounds:
        round_("shared", args.students, False, args.timeout)
    if "distinct" in rounds:
        two = round_("distinct", args.students, True, args.timeout, {"LSTMVIZ_WORKERS": "2"}, "; 2 workers")
        one = round_("distinct", args.students, True, args.timeout, {"LSTMVIZ_WORKERS": "1"}, "; 1 worker")
        print(f"workers : the distinct round's wall with 1 worker {one:.0f} s, with 2 workers {two:.0f} s: "
              f"{one / two:.2f}x (target >= 1.7)", flush=True)
    if "replicas" in rounds:
        replicas(args.students, args.timeout)
    print(f"machine : load average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()

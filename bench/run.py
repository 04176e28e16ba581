"""Benchmarks: queueing, dispatching through the sandbox, and reading the feeds.

Run with ``make bench``. Each run writes ``bench/results/<UTC timestamp>.json`` and prints
a table. These are measurements, not tests: nothing here passes or fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="ecd-bench-") as folder:
        os.environ["XDG_DATA_HOME"] = str(Path(folder) / "data")
        os.environ["XDG_STATE_HOME"] = str(Path(folder) / "state")
        os.environ["XDG_CONFIG_HOME"] = str(Path(folder) / "config")
        from bench import scenarios

        results = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {"python": sys.version.split()[0], "platform": platform.platform(), "cpus": os.cpu_count()},
            "figures": {},
        }
        for name, scenario in scenarios.ALL:
            print(f"running {name} ...", flush=True)
            results["figures"][name] = asyncio.run(scenario(Path(folder) / name))
        results["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)

    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"{results['when'].replace(':', '').replace('+0000', 'Z')}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    for name, figures in results["figures"].items():
        for key, value in figures.items():
            print(f"{name:<28} {key:<36} {value}")
    print(f"peak RSS {results['peak_rss_mib']} MiB; written to {out}")
    return 0


def seconds_since(start: float) -> float:
    return round(time.perf_counter() - start, 4)


if __name__ == "__main__":
    raise SystemExit(main())

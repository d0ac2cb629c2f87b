"""make drills: prove that the system keeps data and keeps people in their place.

    make drills                              # every drill, on a cluster of its own
    .venv/bin/python drills/run.py --only races fuzz

Starts a throwaway PostgreSQL cluster (``drills/cluster.py``, fsync on), migrates it, loads the
tiny demo street, then runs the drills in turn. Each prints one line

    DRILL name: PASS|FAIL figures

and the command exits non-zero if any failed. Everything goes to 127.0.0.1 only; every loop is
bounded in count and in time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from drills.cluster import Cluster  # noqa: E402

DRILLS = ("races", "rosters", "intruders", "crash", "fuzz", "backup")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", choices=DRILLS, help="run these drills only")
    args = parser.parse_args()
    chosen = [name for name in DRILLS if not args.only or name in args.only]
    with Cluster("main") as cluster, tempfile.TemporaryDirectory(prefix="tongxin-drills-") as tmp:
        os.environ["DATABASE_URL"] = cluster.url
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
        import django

        django.setup()
        from django.core.management import call_command

        started = time.monotonic()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("seed_demo", scale="tiny", stdout=open(os.devnull, "w"))
        from drills.common import collect_static

        collect_static()
        print(f"drills: PostgreSQL on 127.0.0.1:{cluster.port} (fsync on), tiny demo street loaded in "
              f"{time.monotonic() - started:.0f} s", flush=True)
        failed = []
        for name in chosen:
            module = __import__(f"drills.{name}", fromlist=["run"])
            begun = time.monotonic()
            try:
                passed, figures = module.run(Path(tmp), cluster)
            except Exception:  # a drill that breaks is a failed drill; the others still run
                traceback.print_exc()
                passed, figures = False, "the drill itself raised (traceback above)"
            print(f"DRILL {name}: {'PASS' if passed else 'FAIL'} {figures} ({time.monotonic() - begun:.0f} s)",
                  flush=True)
            if not passed:
                failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

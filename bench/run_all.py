"""Run every benchmark in bench/ one after the other (`make bench`). Not part of `make test`."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ["page_weight.py", "cold_visit.py", "scale.py", "query_counts.py", "briefcase.py",
           "replay.py", "import_50k.py", "fault_campaign.py", "load.py"]

failed = []
for name in SCRIPTS:
    script = HERE / name
    if not script.exists():
        continue
    print(f"\n=== {name}", flush=True)
    if subprocess.call([sys.executable, str(script)]) != 0:
        failed.append(name)
print("\nover budget or failed: " + (", ".join(failed) if failed else "none"))
sys.exit(1 if failed else 0)

"""Are two runs' reports the same, apart from run ids and timings? (a refactor must not move them)

python bench/compare_reports.py BEFORE_REPORTS AFTER_REPORTS

Runs the same seed twice, e.g. `python -m flows.full --demo --demo-books 300 --demo-users 80
--reports-dir /tmp/before` on the old commit and `--reports-dir /tmp/after` on the new one, then
compares every reports/*.json of the first folder with the second's: keys naming a run, a time or
the machine are left out (IGNORED_KEYS and keys ending in _s or _seconds); every other value must
be equal. Prints one line a file and the first differences; exit 1 when any file differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

IGNORED_KEYS = {"run_id", "seconds", "reports_dir", "created_at", "machine", "started_at"}


def comparable(value: object) -> object:
    """The value without the keys that name a run, a time or the machine."""
    if isinstance(value, dict):
        return {
            key: comparable(item)
            for key, item in value.items()
            if key not in IGNORED_KEYS and not key.endswith(("_s", "_seconds"))
        }
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def differences(path: str, before: object, after: object) -> list[str]:
    """Where two comparable values differ, as "path: before != after" lines."""
    if isinstance(before, dict) and isinstance(after, dict):
        return [
            line
            for key in sorted(set(before) | set(after), key=str)
            for line in differences(f"{path}.{key}", before.get(key), after.get(key))
        ]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            line
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for line in differences(f"{path}[{i}]", b, a)
        ]
    return [] if before == after else [f"{path}: {before!r} != {after!r}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path, help="the first run's reports folder")
    parser.add_argument("after", type=Path, help="the second run's reports folder")
    args = parser.parse_args()
    files = sorted(args.before.glob("*.json"))
    if not files:
        parser.error(f"no *.json reports in {args.before}")
    differing = 0
    for first in files:
        second = args.after / first.name
        if not second.is_file():
            print(f"{first.name}: missing in {args.after}")
            differing += 1
            continue
        before, after = (comparable(json.loads(p.read_text())) for p in (first, second))
        found = differences("", before, after)
        print(f"{first.name}: {'equal' if not found else f'{len(found)} values differ'}")
        for line in found[:10]:
            print(f"  {line[:200]}")
        differing += bool(found)
    return 1 if differing else 0


if __name__ == "__main__":
    sys.exit(main())

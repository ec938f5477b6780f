"""Committed JSON Schema snapshots of every event, and the check that the current models still honour them.

    python -m opencme_contracts.snapshots --write   # (re)generate contracts/schemas/ after a compatible change
    python -m opencme_contracts.snapshots --check   # exit 1 on a breaking change, a missing or an outdated snapshot
    python -m opencme_contracts.snapshots --table   # the topic table of contracts/README.md, in markdown

A snapshot is the contract consumers were written against, so `--write` refuses to overwrite one with a breaking
change: that needs a new event version (and so a new snapshot file), or `--force` for a version never released.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from opencme_contracts.compatibility import check_compatible
from opencme_contracts.envelope import Envelope, EventPayload, registered_events
from opencme_contracts.topics import TOPICS

__all__ = ["SCHEMAS_DIR", "check_compatible", "check_snapshots", "render_table", "schema_for", "write_snapshots"]

# contracts/schemas, next to contracts/src: the package is installed editable from the repository.
SCHEMAS_DIR = Path(__file__).resolve().parents[2] / "schemas"
TOPICS_FILE = "topics.json"


def schema_for(model: type[EventPayload]) -> dict[str, Any]:
    """JSON Schema of the whole message (envelope and payload) as consumers validate it."""
    return Envelope[model].model_json_schema()  # type: ignore[valid-type]


def snapshot_file(event_type: str, version: int) -> str:
    return f"{event_type}.v{version}.json"


def topics_document() -> list[dict[str, Any]]:
    return [
        {
            "name": topic.name,
            "event_type": topic.event.event_type,
            "version": topic.event.event_version,
            "producer": topic.producer,
            "consumers": list(topic.consumers),
            "key": topic.key,
            "partitions": topic.partitions,
            "dlq": topic.dlq,
        }
        for topic in TOPICS.values()
    ]


def render_table() -> str:
    lines = [
        "| Topic | Event | Producer → consumers | Key | Partitions |",
        "|---|---|---|---|---|",
    ]
    for topic in TOPICS.values():
        event = f"{topic.event.__name__} v{topic.event.event_version}"
        flow = f"{topic.producer} → {', '.join(topic.consumers)}"
        lines.append(f"| `{topic.name}` | {event} | {flow} | {topic.key} | {topic.partitions} |")
    return "\n".join(lines) + "\n"


def _dumps(document: Any) -> str:
    # Sorted keys and a trailing newline keep regenerated files byte-identical and diffs small.
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _expected_files() -> dict[str, str]:
    files = {snapshot_file(*key): _dumps(schema_for(model)) for key, model in sorted(registered_events().items())}
    files[TOPICS_FILE] = _dumps(topics_document())
    return files


def _committed_snapshots(directory: Path) -> set[tuple[str, int]]:
    found = set()
    for path in directory.glob("*.v*.json"):
        event_type, _, version = path.name.removesuffix(".json").rpartition(".v")
        if version.isdigit():
            found.add((event_type, int(version)))
    return found


def check_snapshots(directory: Path = SCHEMAS_DIR) -> tuple[list[str], list[str]]:
    """(breaking problems, outdated files). Outdated means a compatible change that `--write` has not recorded yet."""
    breaking: list[str] = []
    settled: set[str] = set()  # files whose only problem is being behind a compatible change
    events = registered_events()
    for (event_type, version), model in sorted(events.items()):
        path = directory / snapshot_file(event_type, version)
        if not path.exists():
            breaking.append(f"{event_type} v{version}: no committed snapshot {path.name} (run --write)")
            continue
        problems = check_compatible(json.loads(path.read_text(encoding="utf-8")), schema_for(model))
        breaking += [f"{event_type} v{version}: {p}" for p in problems]
        if not problems:
            settled.add(path.name)
    for event_type, version in sorted(_committed_snapshots(directory) - events.keys()):
        breaking.append(
            f"{event_type} v{version}: snapshot committed but no model is registered"
            " (delete the snapshot only if this version is retired on purpose)"
        )

    outdated = [
        name
        for name, content in _expected_files().items()
        if (name in settled or name == TOPICS_FILE)
        and not ((directory / name).exists() and (directory / name).read_text(encoding="utf-8") == content)
    ]
    return breaking, outdated


def write_snapshots(directory: Path = SCHEMAS_DIR, *, force: bool = False) -> tuple[list[str], list[str]]:
    """(files written, breaking problems that kept a snapshot from being overwritten)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    refused: list[str] = []
    events = {snapshot_file(*key): key for key in registered_events()}
    for name, content in _expected_files().items():
        path = directory / name
        if path.exists() and path.read_text(encoding="utf-8") == content:
            continue
        if path.exists() and name in events and not force:
            problems = check_compatible(json.loads(path.read_text(encoding="utf-8")), json.loads(content))
            if problems:
                event_type, version = events[name]
                refused += [f"{event_type} v{version}: {p}" for p in problems]
                continue
        path.write_text(content, encoding="utf-8")
        written.append(name)
    return written, refused


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m opencme_contracts.snapshots", description=__doc__.split("\n")[0])
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help="write contracts/schemas/ from the current models")
    action.add_argument("--check", action="store_true", help="fail if a model breaks or outgrew its snapshot")
    action.add_argument("--table", action="store_true", help="print the topic table as markdown")
    parser.add_argument("--force", action="store_true", help="with --write: overwrite even a breaking change")
    args = parser.parse_args(argv)

    if args.table:
        print(render_table(), end="")
        return 0
    if args.write:
        written, refused = write_snapshots(force=args.force)
        for name in written:
            print(f"wrote {SCHEMAS_DIR / name}")
        if refused:
            print("refused to overwrite snapshots with breaking changes (add a new event version instead):")
            print("\n".join(f"  {p}" for p in refused))
            return 1
        if not written:
            print("snapshots are up to date")
        return 0

    breaking, outdated = check_snapshots()
    if breaking:
        print(f"{len(breaking)} breaking change(s) against the committed snapshots in {SCHEMAS_DIR}:")
        print("\n".join(f"  {p}" for p in breaking))
    if outdated:
        print("snapshots out of date (compatible changes not recorded; run --write and commit):")
        print("\n".join(f"  {name}" for name in outdated))
    if breaking or outdated:
        return 1
    print(f"{len(registered_events())} event snapshot(s) compatible and up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())

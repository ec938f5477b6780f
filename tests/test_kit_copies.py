"""Every service carries an identical copy of the service kit (so each installs with only `contracts` beside it)."""

import filecmp
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CANONICAL = ROOT / "service-kit" / "src" / "kit"


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.py"))}


def test_every_service_has_an_identical_copy_of_the_kit():
    services = sorted(ROOT.glob("services/*/src/*/__init__.py"))
    assert len(services) == 6
    canonical = _files(CANONICAL)
    for init in services:
        copy = init.parent / "kit"
        assert copy.is_dir(), f"{copy} is missing: run python service-kit/sync.py"
        drift = [name for name in canonical.keys() | _files(copy).keys()
                 if canonical.get(name) != _files(copy).get(name)]
        assert not drift, f"{copy} differs from the canonical kit in {drift}: run python service-kit/sync.py"

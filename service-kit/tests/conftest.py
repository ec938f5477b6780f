import sys
from pathlib import Path

# The canonical kit is not installed as a package of its own (services carry copies); test it from its source.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import sys
from pathlib import Path

# The shared helpers (certificates_testing.py) sit beside the tests; importlib mode does not put them on sys.path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

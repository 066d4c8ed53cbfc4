"""Learning tests: make the small quiz builders in quizkit.py importable."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

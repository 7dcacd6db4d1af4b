"""``python -m analyzer``: the ``shoal`` command, for environments without its script."""
import sys

from analyzer.interfaces import main

sys.exit(main())

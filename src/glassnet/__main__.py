"""``python -m glassnet`` runs the ``glassnet`` command."""

import sys

from .cli import main

sys.exit(main())

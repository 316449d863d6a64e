"""``python -m modelpick`` runs the CLI."""

import sys

from modelpick.cli import main

sys.exit(main())

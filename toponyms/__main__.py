"""``python -m toponyms``: the same as the ``toponyms`` command."""

import sys

from toponyms.cli import main

sys.exit(main())

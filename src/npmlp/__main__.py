"""``python -m npmlp``: the same as the ``npmlp`` command."""

import sys

from npmlp.cli import main

sys.exit(main())

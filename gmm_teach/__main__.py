"""``python -m gmm_teach``: the same command line as ``gmm-teach`` (see :mod:`gmm_teach.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

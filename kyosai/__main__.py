"""``python -m kyosai``: the rules core's command line (:mod:`kyosai.cli`), without the validator.

The installed ``kyosai`` command is :func:`validator.cli.command`, which has these sub-commands too.
"""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

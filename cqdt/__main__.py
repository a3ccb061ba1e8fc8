import sys

from cqdt.cli import main

sys.exit(main())

import sys

from ratebench.cli import main

sys.exit(main())

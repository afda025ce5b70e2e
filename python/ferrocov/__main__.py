import sys

from ferrocov.cli import main

sys.exit(main())

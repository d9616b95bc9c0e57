import sys

from pytest_wasmblog.cli import main

sys.exit(main())

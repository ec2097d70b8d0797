from cchc_lib.cli.main import main
import sys

sys.exit(main())

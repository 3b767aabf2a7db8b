"""``python -m hone`` is the same as the ``hone`` command."""

from hone.cli.main import main

raise SystemExit(main())

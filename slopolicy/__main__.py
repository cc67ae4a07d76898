from __future__ import annotations

from slopolicy.cli import main

raise SystemExit(main())

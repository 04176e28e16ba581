from ecd_tui.cli import main

raise SystemExit(main())

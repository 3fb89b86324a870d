from mediashelf.cli import main

raise SystemExit(main())

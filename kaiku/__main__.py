from kaiku.cli import main

raise SystemExit(main())

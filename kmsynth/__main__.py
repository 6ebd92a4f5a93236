from kmsynth.cli.main import main

raise SystemExit(main())

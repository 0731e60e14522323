"""`python -m bookrec.demo`: write the demo catalog."""

from bookrec.demo.generator import main

raise SystemExit(main())

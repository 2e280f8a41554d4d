"""``python -m bindgen`` = the ``bindgen`` console script."""

from bindgen.cli import main

main()

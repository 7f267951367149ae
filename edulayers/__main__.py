"""``python -m edulayers``: the headless tour (see ``edulayers/tour.py``)."""
from .tour import main

if __name__ == "__main__":
    raise SystemExit(main())

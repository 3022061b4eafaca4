"""The worker: `python worker.py` (or `python worker.py --burst`); see pumasi/worker.py."""
import sys

from pumasi.worker import main

if __name__ == "__main__":
    main(sys.argv[1:])

"""The lecture's network with and without L2(0.01), side by side: the first part of ``glassnet demo``.

Run:  .venv/bin/python examples/demo.py      (``make demo`` runs the whole demo: this, a λ sweep and a report)
The code lives in src/glassnet/demo/comparison.py.
"""

from glassnet.demo.comparison import main

if __name__ == "__main__":
    main()

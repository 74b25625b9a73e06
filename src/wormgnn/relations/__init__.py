"""Relations between neurons: read out of trained models (``readouts``), estimated from traces
(``estimators``), held against truths (``truths``: the wiring diagram, a simulator's coupling,
the signal propagation atlas), scored (``scoring``), and run end to end by ``run.run_graph``."""

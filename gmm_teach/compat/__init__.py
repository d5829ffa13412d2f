"""Facades with the APIs of other teaching libraries, so their tutorials run on gmm-teach unchanged.

* :mod:`gmm_teach.compat.sealion`: the ``GaussianMixture`` of the sealion tutorial.
"""

"""Helpers for testing modelpick and its plug-ins without the network.

* :mod:`modelpick.testing.tiny_models`: tiny saved configs of real architectures, loadable through the
  real ``from_pretrained`` code, and a fake Hugging Face cache layout.
* ``modelpick.testing.contracts``: contract suites every member of a plug-in family must pass.
"""

"""The tests of `common` and of the notebooks' conventions.

A package (with this file), so that ``from tests.conftest import ...`` finds this folder even
where IPython 7 (Colab's) has put ``IPython/extensions``, which holds a ``tests`` package of
its own, on ``sys.path``.
"""

"""pandera schemas of the batch kinds (``schemas/batches.py``), whose checks call the rules core.

``SCHEMAS[kind_name]`` is the :class:`~schemas.rules.KindSchema` of a kind; its ``.schema`` is the
``pandera.polars`` ``DataFrameSchema`` over the typed columns (aliases) and the rules' flags.
pandera is imported only when ``SCHEMAS`` is first used: the file reader needs just
:mod:`schemas.batches`, and the CLI and the reading child process start faster without it.
"""

__all__ = ["SCHEMAS"]


def __getattr__(name):
    if name == "SCHEMAS":
        from .prepayment import SCHEMA as prepayment
        from .safety_application import SCHEMA as safety_application
        from .sky_application import SCHEMA as sky_application

        schemas = {s.name: s for s in (sky_application, safety_application, prepayment)}
        globals()["SCHEMAS"] = schemas
        return schemas
    raise AttributeError(name)

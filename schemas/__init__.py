"""pandera schemas of the batch kinds (shared/domain/BATCHES.md), whose checks call the rules core.

``SCHEMAS[kind_name]`` is the :class:`~schemas.rules.KindSchema` of a kind; its ``.schema`` is the
pandera ``DataFrameSchema`` over the typed columns (aliases), indexed by Excel row number.
"""

from .prepayment import SCHEMA as PREPAYMENT
from .safety_application import SCHEMA as SAFETY_APPLICATION
from .sky_application import SCHEMA as SKY_APPLICATION

SCHEMAS = {s.name: s for s in (SKY_APPLICATION, SAFETY_APPLICATION, PREPAYMENT)}

__all__ = ["SCHEMAS"]

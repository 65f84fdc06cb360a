"""Cluster 02 items as the running system knows them: one module per area, each calling `register_item`.

wages (020101–020103), rates (02020101–02020202), assessment (020301), collection (020401, 020402, 020501),
arrears (020302–020304, 020502).
"""

from . import arrears, assessment, collection, rates, wages  # noqa: F401

"""Cluster 11 items as the running system knows them: one module per area, each calling `register_item`.

Areas (one module each, added as they are built): sysadmin (1105), quality (1106), security (1107), backup (1109),
signing (111002), emergency (111101–111103).
"""

from . import backup, emergency, quality, rectification, security, signing, sysadmin  # noqa: F401

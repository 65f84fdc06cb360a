"""Cluster 11 models, one module per area; import them all here so Django finds them."""

from .backup import BackupRecord, BackupStatus, BackupTrigger  # noqa: F401
from .emergency import DrillKind, DrillStatus, EmergencyDrill, EmergencyPlan, EmergencyScenario  # noqa: F401
from .quality import QualityFinding, QualityRun, QualityRunStatus  # noqa: F401
from .rectification import (  # noqa: F401
    OPEN_RECTIFICATION_STATUSES,
    RectificationSource,
    RectificationStatus,
    RectificationTask,
)
from .security import ExportKind, MaskingRule, PersonalDataExport  # noqa: F401

"""Tables of the echo batch kind: sources (think employers) and the lines a run writes for them (think ledger)."""

from django.db import models


class EchoSource(models.Model):
    """A source row: one line per source, region and period is what a complete run writes."""

    value = models.IntegerField()

    def __str__(self) -> str:
        return f"source {self.pk}"


class EchoLine(models.Model):
    """A line written by a run (owned by exactly one run); no unique index, so a doubled line would show."""

    run = models.ForeignKey("core.BatchRun", on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(EchoSource, on_delete=models.CASCADE, related_name="lines")
    region = models.CharField(max_length=6)
    period = models.DateField()
    amount = models.IntegerField()

    def __str__(self) -> str:
        return f"line {self.source_id} {self.region} {self.period}"


class EchoSummary(models.Model):
    """Written by `on_finish` in the transaction that marks the run done (unique: finishing twice would fail)."""

    run = models.OneToOneField("core.BatchRun", on_delete=models.CASCADE, related_name="+")
    lines = models.IntegerField()

    def __str__(self) -> str:
        return f"run {self.run_id}: {self.lines}"

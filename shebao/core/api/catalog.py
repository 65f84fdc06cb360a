"""业务目录: the business catalogue API."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from ..models import CatalogItem
from .base import ShebaoApi, responses

# --------------------------------------------------------------------------------------------------------------
# Business catalogue
# --------------------------------------------------------------------------------------------------------------


class CatalogNodeSerializer(serializers.Serializer):
    """A node of the GB/T 35617 business catalogue with its children."""

    code = serializers.CharField()
    name = serializers.CharField()
    full_name = serializers.CharField()
    name_en = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)
    is_leaf = serializers.BooleanField()
    needs_review = serializers.BooleanField()
    retention = serializers.CharField(allow_blank=True)

    class Meta:
        ref_name = "CatalogNode"

    def get_fields(self):
        fields = super().get_fields()
        fields["children"] = CatalogNodeSerializer(many=True, read_only=True)
        return fields


class CatalogListApi(ShebaoApi):
    """GB/T 35617 业务目录: the cluster tree, or (`leaf=true`) the flat list of leaf business items."""

    class FilterSerializer(serializers.Serializer):
        """Tree (default) or flat list of leaf items."""

        leaf = serializers.BooleanField(required=False, default=False, help_text="true 时只列末级业务（平铺）")

    @extend_schema(
        summary="业务目录", parameters=[FilterSerializer], responses=responses({200: CatalogNodeSerializer(many=True)})
    )
    def get(self, request):
        flat = self.parse_query(self.FilterSerializer)["leaf"]
        items = list(CatalogItem.objects.select_related("parent__parent").order_by("code"))
        nodes = {
            i.code: {
                "code": i.code,
                "name": i.name,
                "full_name": i.full_name,
                "name_en": i.name_en,
                "description": i.description,
                "is_leaf": i.is_leaf,
                "needs_review": i.needs_review,
                "retention": i.retention,
                "children": [],
            }
            for i in items
        }
        if flat:
            return Response(CatalogNodeSerializer([nodes[i.code] for i in items if i.is_leaf], many=True).data)
        roots = []
        for i in items:
            (nodes[i.parent_id]["children"] if i.parent_id in nodes else roots).append(nodes[i.code])
        return Response(CatalogNodeSerializer(roots, many=True).data)

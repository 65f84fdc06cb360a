"""Template context: the catalogue menu by cluster."""


def navigation(request):
    return {}

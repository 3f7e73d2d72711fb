"""``mixpeek plugin init`` and ``update``: rendering and updating plugins with Copier.

The template itself lives at the kit's repository root (``copier.yml``, ``template/``,
``hooks/``); this package only decides names, finds the template, calls Copier's Python API and
turns Copier's failures into :class:`~mixpeek_tools.errors.KitError` paragraphs. Copier is
imported inside the functions that call it, so importing this package stays cheap.
"""

from mixpeek_tools.scaffold.names import CATEGORIES, PluginName, plugin_name
from mixpeek_tools.scaffold.render import InitResult, init_plugin
from mixpeek_tools.scaffold.update import UpdateConflicts, UpdateResult, update_plugin

__all__ = [
    "CATEGORIES",
    "InitResult",
    "PluginName",
    "UpdateConflicts",
    "UpdateResult",
    "init_plugin",
    "plugin_name",
    "update_plugin",
]

"""Which rules exist: the built-in ones, installed plugins (entry-point group ``shoal.rules``),
local plugins named by the configuration, and Fixit rules adapted to shoal's API.

A newcomer starts at :meth:`Registry.for_config`: one table of every code with its kind,
origin and class, read by selection, ``shoal rules`` and the output formats.
"""
from analyzer.loading import _fixit_compat as fixit_compat
from analyzer.loading._fixit_compat import (
    FixitRuleError,
    adapt,
    adapted_from,
    fixit_rules_in,
    is_fixit_rule,
)
from analyzer.loading._options import RuleOptionError, check_rule_options
from analyzer.loading._pipeline import PIPELINE_RULES, RuleInfo, rule_info
from analyzer.loading._plugin_loader import (
    ENTRY_POINT_GROUP,
    PluginLoadError,
    PluginWarning,
    builtin_rules,
    is_private_module,
    load_plugins,
    private_module_name,
    rules_in_module,
)
from analyzer.loading._registry import Registry, selectors_of

__all__ = [
    "ENTRY_POINT_GROUP", "PIPELINE_RULES", "FixitRuleError", "PluginLoadError", "PluginWarning",
    "Registry", "RuleInfo", "RuleOptionError", "adapt", "adapted_from", "builtin_rules",
    "check_rule_options", "fixit_compat", "fixit_rules_in", "is_fixit_rule", "is_private_module", "load_plugins", "private_module_name", "rule_info",
    "rules_in_module", "selectors_of",
]

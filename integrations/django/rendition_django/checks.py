"""`manage.py check`: the key sets of the settings against the server's GET /admin/key-sets."""
from __future__ import annotations

from typing import Any, List

from django.core.checks import CheckMessage, Error, Warning, register

from . import client, conf
from .specs import KeySets, SpecError, parse_key_sets


def differences(ours: KeySets, theirs: KeySets) -> List[str]:
    """What the settings' key sets say that the server's do not, one line each."""
    lines = []
    for name, entries in ours.items():
        served = theirs.get(name)
        if served is None:
            lines.append(f"key set {name!r} is not on the server (it has {sorted(theirs) or 'none'})")
            continue
        for key, entry in entries.items():
            other = served.get(key)
            if other is None:
                lines.append(f"{name}.{key}: {entry.spec} here, missing on the server")
            elif other != entry:
                lines.append(f"{name}.{key}: {entry.to_server_form()!r} here, {other.to_server_form()!r} on the server")
        for key in sorted(set(served) - set(entries)):
            lines.append(f"{name}.{key}: missing here, {served[key].spec} on the server")
    return lines


@register("rendition")
def check_key_sets(app_configs: Any = None, **kwargs: Any) -> List[CheckMessage]:
    try:
        ours = conf.key_sets()
    except Exception as error:  # ImproperlyConfigured: say it as a check, not a traceback
        return [Error(str(error), id="rendition.E001")]
    if not conf.check_server():
        return []
    try:
        theirs = parse_key_sets(client.key_sets())
    except client.RenditionError as error:
        if error.code == "UNREACHABLE":
            return [Warning(str(error), hint="Start rendition, or set RENDITION_CHECK_SERVER = False", id="rendition.W001")]
        return [Error(str(error), id="rendition.E002")]
    except SpecError as error:
        return [Error(f"rendition's key sets: {error}", id="rendition.E002")]
    lines = differences(ours, theirs)
    if not lines:
        return []
    return [
        Error(
            "RENDITION_KEY_SETS differ from rendition's key sets (GET /admin/key-sets):\n  " + "\n  ".join(lines),
            hint="Change both together: the settings and rendition's CONFIG_FILE keySets.",
            id="rendition.E003",
        )
    ]

"""The domain and delivery packages must run without Textual, as the headless dispatcher does."""

import pkgutil
import subprocess
import sys

import ecd_tui.delivery
import ecd_tui.domain


def _modules(package) -> list[str]:
    return [package.__name__] + [
        info.name for info in pkgutil.walk_packages(package.__path__, prefix=package.__name__ + ".")
    ]


def test_domain_and_delivery_never_import_textual():
    modules = _modules(ecd_tui.domain) + _modules(ecd_tui.delivery) + ["ecd_tui.services", "ecd_tui.config"]
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(name for name in sys.modules if name == 'textual' or name.startswith('textual.'))\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(modules) > 8
    assert result.stdout.strip() == ""

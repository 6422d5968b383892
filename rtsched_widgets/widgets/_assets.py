"""Location of the built front-end bundle (rtsched_widgets/static, made by js/build.mjs)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def bundle(name: str) -> Path:
    """Path of the bundled ES module ``static/<name>.js``; raises if the front end was not built."""
    path = STATIC / f"{name}.js"
    if not path.is_file():
        raise FileNotFoundError(
            f"front-end bundle {path} is missing: build it with 'make js' "
            "(or reinstall the package, which builds it)"
        )
    return path

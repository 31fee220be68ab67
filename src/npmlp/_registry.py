"""Name registries built from the classes themselves."""

from __future__ import annotations


class Registry:
    """Maps names (and aliases) to classes; ``get`` builds by name or passes objects through."""

    def __init__(self, kind: str, classes, aliases: dict[str, str] | None = None):
        self.kind = kind
        self.classes = {cls.name: cls for cls in classes}
        self.aliases = dict(aliases or {})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.classes) + tuple(self.aliases)

    def get(self, identifier, base: type, **kwargs):
        if isinstance(identifier, base):
            return identifier
        if isinstance(identifier, type) and issubclass(identifier, base):
            return identifier(**kwargs)
        if not isinstance(identifier, str):
            raise TypeError(
                f"{self.kind} must be a name (str) or a {base.__name__}, "
                f"got {type(identifier).__name__}: {identifier!r}"
            )
        key = identifier.strip().lower()
        key = self.aliases.get(key, key)
        if key not in self.classes:
            raise ValueError(
                f"unknown {self.kind} {identifier!r}; valid names: {', '.join(sorted(self.names))}"
            )
        return self.classes[key](**kwargs)
